extension JSONValue {
    /// Compact JSON text: no whitespace, object keys sorted in RFC 8785 order (by UTF-16 code
    /// units), strings and numbers written as RFC 8785 writes them.
    ///
    /// This never fails, because it is what wire replies are made of: non-finite doubles are
    /// written as `null`, and integers beyond ±(2^53−1) are written exactly in decimal. For
    /// values without either, the result equals ``canonicalBytes()``.
    ///
    /// ```swift
    /// let reply: JSONValue = ["parameters": ["grade": "A", "score": 92.5], "continues": false]
    /// String(decoding: reply.encoded(), as: UTF8.self)
    /// // {"continues":false,"parameters":{"grade":"A","score":92.5}}
    /// ```
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)  // most replies fit; saves the first few regrowths
        encode(into: &output)
        return output
    }

    /// Appends the text of ``encoded()`` to `output` (to frame several values in one buffer
    /// without intermediate arrays).
    public func encode(into output: inout [UInt8]) {
        JSONWriter<LenientNumbers>.write(self, into: &output)
    }

    /// The RFC 8785 (JSON Canonicalization Scheme) bytes of this value: the form to hash or
    /// sign, identical for equal values whatever the key order or number spelling they were
    /// parsed from.
    ///
    /// ```swift
    /// let value = try JSONValue.parse(#"{"b": 1E2, "a": [4.50, "\u0041"]}"#)
    /// String(decoding: try value.canonicalBytes(), as: UTF8.self)   // {"a":[4.5,"A"],"b":100}
    /// ```
    ///
    /// - Throws: ``CanonicalJSONError`` for a non-finite double, and for an integer outside
    ///   ±(2^53−1): RFC 8785 models numbers as IEEE doubles, and such integers have no exact one.
    public func canonicalBytes() throws(CanonicalJSONError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        try JSONWriter<StrictNumbers>.write(self, into: &output)
        return output
    }

    /// Appends `value` in decimal, as an integer's JSON text, to `output`: for code that frames
    /// numbers in its own byte buffers, without a `JSONValue` or a `String` for each.
    public static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        ECMAScriptNumberFormatting.appendDecimal(value, to: &output)
    }

    /// ``encoded()`` as a `String`.
    public var jsonText: String {
        String(decoding: encoded(), as: UTF8.self)
    }
}

/// How the writer treats numbers that RFC 8785 cannot express. The two policies share the rest
/// of the writer; with `Failure == Never` the lenient instantiation cannot throw at all.
protocol NumberPolicy {
    associatedtype Failure: Error
    static func writeInt(_ value: Int64, into output: inout [UInt8]) throws(Failure)
    static func writeDouble(_ value: Double, into output: inout [UInt8]) throws(Failure)
}

/// For ``JSONValue/encoded()``: every value has some text.
enum LenientNumbers: NumberPolicy {
    static func writeInt(_ value: Int64, into output: inout [UInt8]) {
        ECMAScriptNumberFormatting.appendDecimal(value, to: &output)
    }

    static func writeDouble(_ value: Double, into output: inout [UInt8]) {
        if value.isFinite {
            ECMAScriptNumberFormatting.append(value, to: &output)
            // A whole double of 2^53 or more is written as digits by ECMAScript's rules, which a
            // reader takes for the exact integer they spell (qcredit's daemon does): `1e16` sent
            // on by `qcredit call` was taken as the integer, not refused as the double it is.
            // A fraction keeps it a double (RFC 8785's bytes, for hashing, are not this writer's).
            if abs(value) >= 0x1p53, abs(value) < 1e21, value == value.rounded() { output.append(contentsOf: ".0".utf8) }
        } else {
            output.append(contentsOf: "null".utf8)
        }
    }
}

/// For ``JSONValue/canonicalBytes()``: only values in RFC 8785's data model.
enum StrictNumbers: NumberPolicy {
    static let maxExactInteger = JSONValue.largestExactInteger

    static func writeInt(_ value: Int64, into output: inout [UInt8]) throws(CanonicalJSONError) {
        guard (-maxExactInteger...maxExactInteger).contains(value) else {
            throw CanonicalJSONError(reason: "integer \(value) is outside ±(2^53−1) and has no exact IEEE double")
        }
        ECMAScriptNumberFormatting.appendDecimal(value, to: &output)
    }

    static func writeDouble(_ value: Double, into output: inout [UInt8]) throws(CanonicalJSONError) {
        guard value.isFinite else {
            throw CanonicalJSONError(reason: "non-finite number \(value) has no JSON form")
        }
        ECMAScriptNumberFormatting.append(value, to: &output)
    }
}

/// The compact RFC 8785 writer. Recursive: values parsed with the default depth limit nest at
/// most 64 deep; a value built in code thousands of levels deep would exhaust the stack.
enum JSONWriter<Policy: NumberPolicy> {
    static func write(_ value: JSONValue, into output: inout [UInt8]) throws(Policy.Failure) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .int(let number):
            try Policy.writeInt(number, into: &output)
        case .double(let number):
            try Policy.writeDouble(number, into: &output)
        case .string(let string):
            JSONStringWriting.append(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members.sorted(by: { RFC8785KeyOrder.precedes($0.key, $1.key) }) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                JSONStringWriting.append(key, to: &output)
                output.append(UInt8(ascii: ":"))
                try write(member, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
