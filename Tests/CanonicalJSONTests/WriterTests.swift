import Testing

import CanonicalJSON

@Suite("Writer: RFC 8785 text")
struct WriterTests {
    @Test(
        "doubles are laid out as ECMAScript Number.prototype.toString does",
        arguments: [
            (1e20, "100000000000000000000"), (1e21, "1e+21"), (0.000001, "0.000001"), (1e-7, "1e-7"),
            (-0.0, "0"), (4.50, "4.5"), (333333333.33333329, "333333333.3333333"), (1e30, "1e+30"),
            (100, "100"), (-1.5, "-1.5"), (0.1, "0.1"), (123.456, "123.456"), (1e16, "10000000000000000"),
            (1.5e-6, "0.0000015"), (1.5e-7, "1.5e-7"), (-1e-7, "-1e-7"), (2e-3, "0.002"), (1e-27, "1e-27"),
            (1.2345678901234568e20, "123456789012345680000"), (1.2345e21, "1.2345e+21"), (0.5, "0.5"),
            (Double(bitPattern: 0x4340_0000_0000_0001), "9007199254740994"),
        ] as [(Double, String)])
    func doubleLayout(value: Double, text: String) throws {
        #expect(try canonicalText(.double(value)) == text)
    }

    @Test("integers are written in decimal; canonical form requires ±(2^53−1)")
    func integerRange() throws {
        let limit: Int64 = 9_007_199_254_740_991
        #expect(try canonicalText(.int(limit)) == "9007199254740991")
        #expect(try canonicalText(.int(-limit)) == "-9007199254740991")
        #expect(try canonicalText(.int(0)) == "0")
        for outside: Int64 in [limit + 1, -limit - 1, .max, .min] {
            #expect(throws: CanonicalJSONError.self) { try JSONValue.int(outside).canonicalBytes() }
            // Wire text never fails and keeps the exact integer.
            #expect(JSONValue.int(outside).jsonText == String(outside))
        }
        // The check reaches into containers.
        let nested: JSONValue = ["a": [1, ["b": .int(limit + 1)]]]
        #expect(throws: CanonicalJSONError.self) { try nested.canonicalBytes() }
        #expect(nested.jsonText == #"{"a":[1,{"b":9007199254740992}]}"#)
        // A double of the same magnitude is fine: it is exactly what it is.
        #expect(try canonicalText(.double(9_007_199_254_740_992)) == "9007199254740992")
    }

    @Test("canonical errors name the problem")
    func canonicalErrorReasons() {
        #expect(throws: CanonicalJSONError(reason: "integer 9007199254740992 is outside ±(2^53−1) and has no exact IEEE double")) {
            try JSONValue.int(9_007_199_254_740_992).canonicalBytes()
        }
        #expect(throws: CanonicalJSONError(reason: "non-finite number inf has no JSON form")) {
            try JSONValue.double(.infinity).canonicalBytes()
        }
    }

    @Test("non-finite doubles become null in wire text")
    func nonFiniteOnTheWire() {
        let value: JSONValue = ["nan": .double(.nan), "inf": .double(.infinity), "ninf": .double(-.infinity)]
        #expect(value.jsonText == #"{"inf":null,"nan":null,"ninf":null}"#)
    }

    @Test("strings escape only quote, backslash and controls; the rest is literal UTF-8")
    func stringEscaping() throws {
        var controls = ""
        for code in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        let expectedControls =
            #"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
        #expect(try canonicalText(.string(controls)) == "\"\(expectedControls)\"")
        #expect(try canonicalText(.string("\"\\/")) == #""\"\\/""#)
        #expect(try canonicalText(.string("\u{7F}é€😀\u{2028}\u{FEFF}")) == "\"\u{7F}é€😀\u{2028}\u{FEFF}\"")
        #expect(try canonicalText(.string("plain")) == #""plain""#)
        #expect(try canonicalText(.string("")) == #""""#)
        #expect(try canonicalText(["k\n": "v\t"]) == #"{"k\n":"v\t"}"#)
    }

    @Test("no whitespace; keys sorted; arrays keep their order")
    func layout() throws {
        let value: JSONValue = ["b": [3, 1, 2], "a": ["y": nil, "x": true], "": false]
        #expect(try canonicalText(value) == #"{"":false,"a":{"x":true,"y":null},"b":[3,1,2]}"#)
        #expect(try canonicalText([]) == "[]")
        #expect(try canonicalText([:]) == "{}")
    }

    @Test("keys differing only above the BMP vs U+E000–U+FFFF sort as UTF-16 does, not as String <")
    func keyOrderAcrossSurrogates() throws {
        // U+FF61 is above the surrogate block; U+10000 is encoded with surrogates (D800 DC00).
        let value: JSONValue = ["\u{FF61}": 1, "\u{10000}": 2, "\u{E000}": 3, "\u{D7FF}": 4]
        #expect(try canonicalText(value) == "{\"\u{D7FF}\":4,\"\u{10000}\":2,\"\u{E000}\":3,\"\u{FF61}\":1}")
        #expect("\u{FF61}" < "\u{10000}")  // why a plain sort would be wrong
    }

    @Test("random key pairs are ordered as their UTF-16 code units compare", arguments: 0..<2)
    func keyOrderMatchesUTF16(seed: UInt64) {
        var generator = SeededGenerator(seed: 100 + seed)
        for _ in 0..<5_000 {
            let left = generator.string()
            // Often share a prefix, so the comparison reaches past the first character.
            let right = Bool.random(using: &generator) ? String(left.prefix(2)) + generator.string() : generator.string()
            guard left != right else { continue }
            let leftFirst = left.utf16.lexicographicallyPrecedes(right.utf16)
            let text = JSONValue.object([left: 1, right: 2]).encoded()
            // The text ends `…:1}` or `…:2}`: the value of the key written second.
            #expect(text[text.count - 2] == UInt8(ascii: leftFirst ? "2" : "1"), "\(left.debugDescription) \(right.debugDescription)")
        }
    }

    @Test("encode(into:) appends; encoded() and jsonText agree")
    func entryPoints() throws {
        let value: JSONValue = ["k": [1, 2.5, "s"]]
        var buffer = Array("prefix:".utf8)
        value.encode(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:{"k":[1,2.5,"s"]}"#)
        #expect(value.encoded() == Array(value.jsonText.utf8))
        #expect(try value.canonicalBytes() == value.encoded())
    }

    @Test("canonical bytes do not depend on how the input was spelled")
    func spellingIndependence() throws {
        let spellings = [
            #"{"a": 1.50, "b": [1E2, -0.0, "\u00e9"], "c": {"z": 0, "y": 1e-7}}"#,
            #"{"c":{"y":0.0000001,"z":0},"b":[100.0,0,"é"],"a":15e-1}"#,
            "{\n\t\"b\" : [ 1e+2 , -0 , \"\\u00E9\" ] ,\r\n \"a\":1.5 , \"c\":{\"z\":0,\"y\":10E-8}}",
        ]
        let canonical = try spellings.map { try canonicalText(JSONValue.parse($0)) }
        #expect(Set(canonical).count == 1)
        #expect(canonical[0] == #"{"a":1.5,"b":[100,0,"é"],"c":{"y":1e-7,"z":0}}"#)
        // And canonical text is a fixed point.
        #expect(try canonicalText(JSONValue.parse(canonical[0])) == canonical[0])
    }
}
