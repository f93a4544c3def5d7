import Testing

import CanonicalJSON

@Suite("Parser: what it accepts")
struct ParserAcceptanceTests {
    @Test("the typical request parses into the expected tree")
    func typicalRequest() throws {
        let text = #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91350100M000100Y43"}}"#
        let value = try JSONValue.parse(text)
        #expect(value == ["method": "org.qcredit.query.GetGrade", "parameters": ["code": "91350100M000100Y43"]])
        #expect(value.jsonText == text)  // already canonical
    }

    @Test("every overload parses the same bytes the same way")
    func overloads() throws {
        let text = #" [1, "two", {"three": 3.5}] "#
        let bytes = Array(text.utf8)
        let expected: JSONValue = [1, "two", ["three": 3.5]]
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try bytes.withUnsafeBytes { raw throws(JSONParseError) in try JSONValue.parse(raw) } == expected)
        // Non-contiguous collection: copied first.
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == expected)
        // A slice is parsed in place; offsets count from the slice's start.
        let padded = Array("xx[1,]".utf8)
        #expect(throws: JSONParseError(offset: 3, reason: "unexpected character")) {
            try JSONValue.parse(padded[2...])
        }
        #expect(throws: JSONParseError(offset: 0, reason: "unexpected end of input")) {
            try JSONValue.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    @Test("scalars at top level, with surrounding whitespace")
    func topLevelScalars() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(" \t\r\ntrue\n") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("\"x\"") == .string("x"))
        #expect(try JSONValue.parse("42") == .int(42))
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{ }") == .object([:]))
    }

    /// A whole double of 2^53 or more keeps a fraction when written for a message, so that it is
    /// read back as the double it is, not as the integer its digits spell (which a reader takes
    /// exactly); its canonical (RFC 8785) bytes stay ECMAScript's digits.
    @Test func wholeDoublesBeyondExactIntegersStayDoublesInMessages() throws {
        #expect(JSONValue.double(1e16).encoded() == Array("10000000000000000.0".utf8))
        #expect(JSONValue.double(-0x1p53).encoded() == Array("-9007199254740992.0".utf8))
        #expect(JSONValue.double(1e21).encoded() == Array("1e+21".utf8))
        #expect(JSONValue.double(5).encoded() == Array("5".utf8))
        #expect(JSONValue.double(9007199254740991).encoded() == Array("9007199254740991".utf8))
        #expect(try JSONValue.double(1e16).canonicalBytes() == Array("10000000000000000".utf8))
        #expect(try JSONValue.parse(JSONValue.double(1e16).encoded()) == .double(1e16))
    }

    @Test("integers that fit Int64 are .int; everything else is .double")
    func numberKinds() throws {
        #expect(try JSONValue.parse("0") == .int(0))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("9223372036854775807") == .int(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue.parse("-9223372036854775809") == .double(-0x1p63))  // rounds to -2^63
        #expect(try JSONValue.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSONValue.parse("1.0") == .double(1))
        #expect(try JSONValue.parse("1e2") == .double(100))
        #expect(try JSONValue.parse("1E+2") == .double(100))
        #expect(try JSONValue.parse("-2.5e-3") == .double(-0.0025))
        #expect(try JSONValue.parse("0.1") == .double(0.1))
        #expect(try JSONValue.parse("1e-400") == .double(0))  // underflow rounds to zero, as IEEE does
        #expect(try JSONValue.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try JSONValue.parse("5e-324") == .double(.leastNonzeroMagnitude))
    }

    @Test("escapes decode, surrogate pairs combine, non-ASCII passes through")
    func strings() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try JSONValue.parse(#""\u0000\u001F\u00e9\u20AC""#) == .string("\u{0}\u{1F}é€"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
        #expect(try JSONValue.parse("\"é€😀\u{7F}\"") == .string("é€😀\u{7F}"))
        #expect(try JSONValue.parse(#""a\u0062c\nd""#) == .string("abc\nd"))
        #expect(try JSONValue.parse(#""\uFFFF""#) == .string("\u{FFFF}"))  // noncharacters are accepted
        #expect(try JSONValue.parse(#"{"\u0061":1}"#) == ["a": 1])
    }

    @Test("encoded text parses back to the same value", arguments: 0..<4)
    func roundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let value = generator.value()
            let text = value.encoded()
            #expect(try JSONValue.parse(text) == value, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test("an integral .double comes back as .int: the text has no fraction")
    func integralDoubleRoundTrip() throws {
        let value = JSONValue.double(3)
        #expect(value.jsonText == "3")
        #expect(try JSONValue.parse(value.encoded()) == .int(3))
        #expect(try JSONValue.parse(value.encoded()).doubleValue == 3)
    }

    @Test("nesting up to maxDepth is fine")
    func nestingAtTheLimit() throws {
        let arrays = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var value = try JSONValue.parse(arrays)
        for _ in 0..<63 { value = value.arrayValue![0] }
        #expect(value == .array([]))
        let objects = String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)
        #expect(try JSONValue.parse(objects).jsonText == objects)
        #expect(try JSONValue.parse("[[[1]]]", maxDepth: 3) == [[[1]]])
        #expect(try JSONValue.parse("7", maxDepth: 0) == 7)
    }

    @Test("large inputs parse without trouble")
    func largeInputs() throws {
        let longString = String(repeating: "abcé😀", count: 200_000)
        #expect(try JSONValue.parse("\"\(longString)\"") == .string(longString))

        let escaped = String(repeating: #"\n\u00e9"#, count: 100_000)
        #expect(try JSONValue.parse("\"\(escaped)\"").stringValue?.utf8.count == 300_000)

        var document = "["
        for index in 0..<100_000 {
            if index > 0 { document += "," }
            document += #"{"id":\#(index),"name":"item \#(index)","score":\#(Double(index) + 0.5),"tags":["a","b"]}"#
        }
        document += "]"
        let parsed = try JSONValue.parse(document)
        #expect(parsed.arrayValue?.count == 100_000)
        #expect(parsed.arrayValue?[99_999]["score"] == .double(99_999.5))
        #expect(parsed.jsonText.utf8.count == document.utf8.count)

        let manyMembers = "{" + (0..<50_000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        #expect(try JSONValue.parse(manyMembers).objectValue?.count == 50_000)

        let hugeNumber = "0." + String(repeating: "0", count: 1_000_000) + "1"
        #expect(try JSONValue.parse(hugeNumber) == .double(0))
    }
}
