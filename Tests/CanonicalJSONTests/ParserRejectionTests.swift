import Testing

import CanonicalJSON

/// Every class of input the parser must refuse, with the byte offset it must report.
@Suite("Parser: what it rejects, and where")
struct ParserRejectionTests {
    @Test("truncated input reports the input's length")
    func truncated() {
        expectRejected("", at: 0, "unexpected end of input")
        expectRejected("   ", at: 3, "unexpected end of input")
        expectRejected("[1,2", at: 4, "unexpected end of input")
        expectRejected("[1,2,", at: 5, "unexpected end of input")
        expectRejected(#"{"a":1"#, at: 6, "unexpected end of input")
        expectRejected(#"{"a""#, at: 4, "unexpected end of input")
        expectRejected(#"{"a":"#, at: 5, "unexpected end of input")
        expectRejected(#""abc"#, at: 4, "unterminated string")
        expectRejected(#"["abc\"#, at: 6, "unterminated string")
        expectRejected(#""\u12"#, at: 5, "unterminated string")
        expectRejected(#""\ud83d"#, at: 7, "unterminated string")
        expectRejected(#""\ud83d\"#, at: 8, "unterminated string")
        expectRejected("tru", at: 3, "unexpected end of input")
        expectRejected("-", at: 1, "unexpected end of input")
        expectRejected("1.", at: 2, "unexpected end of input")
        expectRejected("1e+", at: 3, "unexpected end of input")
    }

    @Test("anything after the value is an error")
    func trailingGarbage() {
        expectRejected("[1] x", at: 4, "unexpected data after the value")
        expectRejected("[1]]", at: 3, "unexpected data after the value")
        expectRejected(#"{"a":1}{}"#, at: 7, "unexpected data after the value")
        expectRejected("1 2", at: 2, "unexpected data after the value")
        expectRejected("truex", at: 4, "unexpected data after the value")
        expectRejected("0x10", at: 1, "unexpected data after the value")
        expectRejected("1.5.2", at: 3, "unexpected data after the value")
        expectRejected("null\u{0}", at: 4, "unexpected data after the value")
    }

    @Test("only space, tab, LF and CR are whitespace")
    func whitespace() {
        expectRejected("\u{C}1", at: 0, "unexpected character")  // form feed
        expectRejected("\u{A0}1", at: 0, "unexpected character")  // no-break space
        expectRejected("\u{FEFF}[]", at: 0, "unexpected character")  // byte order mark
        expectRejected("[1,\u{B}2]", at: 3, "unexpected character")  // vertical tab
    }

    @Test("structural mistakes")
    func structure() {
        expectRejected("[1,]", at: 3, "unexpected character")
        expectRejected("[,1]", at: 1, "unexpected character")
        expectRejected("[1 2]", at: 3, "expected ',' or ']'")
        expectRejected(#"{"a":1 "b":2}"#, at: 7, "expected ',' or '}'")
        expectRejected(#"{"a"1}"#, at: 4, "expected ':'")
        expectRejected("{a:1}", at: 1, "expected a string as member name")
        expectRejected(#"{"a":1,}"#, at: 7, "expected a string as member name")
        expectRejected("[1}", at: 2, "expected ',' or ']'")
        expectRejected(#"{"a":1]"#, at: 6, "expected ',' or '}'")
        expectRejected("]", at: 0, "unexpected character")
        expectRejected("'a'", at: 0, "unexpected character")
    }

    @Test("literals must be exact")
    func literals() {
        expectRejected("trUe", at: 0, "invalid literal")
        expectRejected("[nul]", at: 1, "invalid literal")
        expectRejected("True", at: 0, "unexpected character")
        expectRejected("NULL", at: 0, "unexpected character")
    }

    @Test("numbers outside RFC 8259's grammar")
    func numbers() {
        expectRejected("01", at: 0, "leading zero")
        expectRejected("-01", at: 1, "leading zero")
        expectRejected("[00]", at: 1, "leading zero")
        expectRejected("00.5", at: 0, "leading zero")
        expectRejected("+1", at: 0, "unexpected character")
        expectRejected(".5", at: 0, "unexpected character")
        expectRejected("[1.]", at: 3, "expected digit")
        expectRejected("[1.e5]", at: 3, "expected digit")
        expectRejected("[1e]", at: 3, "expected digit")
        expectRejected("[1e+]", at: 4, "expected digit")
        expectRejected("[-]", at: 2, "expected digit")
        expectRejected("-a", at: 1, "expected digit")
        expectRejected("NaN", at: 0, "unexpected character")
        expectRejected("Infinity", at: 0, "unexpected character")
        expectRejected("-Infinity", at: 1, "expected digit")
    }

    @Test("numbers beyond the double range")
    func numbersOutOfRange() {
        expectRejected("1e400", at: 0, "number out of range")
        expectRejected("[0, -1.8e308]", at: 4, "number out of range")
        expectRejected("1" + String(repeating: "0", count: 400), at: 0, "number out of range")
    }

    /// An integer parameter written with a fraction or an exponent counts only while a double
    /// still names exactly one integer (below 2^53): 9007199254740993.0 reads as 2^53.
    @Test("integers written as doubles")
    func integersWrittenAsDoubles() throws {
        #expect(try JSONValue.parse("4.0").intValue == 4)
        #expect(try JSONValue.parse("1e3").intValue == 1000)
        #expect(try JSONValue.parse("9.007199254740991e15").intValue == 9_007_199_254_740_991)
        #expect(try JSONValue.parse("9.007199254740992e15").intValue == nil)
        #expect(try JSONValue.parse("9007199254740993.0").intValue == nil)
        #expect(try JSONValue.parse("-9007199254740993.0").intValue == nil)
        #expect(try JSONValue.parse("-9223372036854775809").intValue == nil)
        #expect(try JSONValue.parse("1e18").intValue == nil)
        #expect(try JSONValue.parse("4.5").intValue == nil)
        #expect(try JSONValue.parse("-9223372036854775808").intValue == Int64.min)
    }

    @Test("invalid UTF-8 in strings, at the sequence's first byte")
    func invalidUTF8InStrings() {
        let quote = UInt8(ascii: "\"")
        let cases: [(bytes: [UInt8], offset: Int)] = [
            ([0x80], 0),  // lone continuation byte
            ([0xBF], 0),
            ([0xC0, 0xAF], 0),  // overlong "/"
            ([0xC1, 0xBF], 0),  // overlong
            ([0xE0, 0x80, 0xAF], 0),  // overlong 3-byte
            ([0xE0, 0x9F, 0xBF], 0),  // overlong 3-byte (U+07FF)
            ([0xF0, 0x80, 0x80, 0xAF], 0),  // overlong 4-byte
            ([0xF0, 0x8F, 0xBF, 0xBF], 0),  // overlong 4-byte (U+FFFF)
            ([0xED, 0xA0, 0x80], 0),  // U+D800 encoded in UTF-8
            ([0xED, 0xBF, 0xBF], 0),  // U+DFFF encoded in UTF-8
            ([0xF4, 0x90, 0x80, 0x80], 0),  // U+110000
            ([0xF5, 0x80, 0x80, 0x80], 0),  // bytes above F4
            ([0xFE], 0),
            ([0xFF], 0),
            ([0xE2, 0x82], 0),  // truncated by the closing quote
            ([0xF0, 0x9F, 0x98], 0),  // truncated 4-byte
            ([0xC3, 0x28], 0),  // bad continuation
            ([0x61, 0xE2, 0x28, 0xA1], 1),
            ([0x61, 0x62, 0xC3], 2),
        ]
        for (bytes, offset) in cases {
            expectRejected([quote] + bytes + [quote], at: 1 + offset, "invalid UTF-8")
        }
        // Escaped strings take the slow path; it validates too.
        expectRejected(Array(#""\n"#.utf8) + [0xC0, 0x80, quote], at: 3, "invalid UTF-8")
        // Truncated input in the middle of a sequence.
        expectRejected([quote, 0xE2, 0x82], at: 1, "invalid UTF-8")
        // Invalid bytes outside strings say so too; valid non-ASCII there is merely unexpected.
        expectRejected([UInt8(ascii: "["), 0xFF, UInt8(ascii: "]")], at: 1, "invalid UTF-8")
        expectRejected("[é]", at: 1, "unexpected character")
    }

    @Test("valid UTF-8 at the edges of each range is accepted")
    func validUTF8Edges() throws {
        let quote = UInt8(ascii: "\"")
        let sequences: [[UInt8]] = [
            [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],
            [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        for bytes in sequences {
            let value = try JSONValue.parse([quote] + bytes + [quote])
            #expect(Array(value.stringValue!.utf8) == bytes)
        }
    }

    @Test("unescaped control characters in strings")
    func controlCharacters() {
        expectRejected("\"a\tb\"", at: 2, "control character")
        expectRejected("\"a\nb\"", at: 2, "control character")
        expectRejected("\"\u{0}\"", at: 1, "control character")
        expectRejected("\"\u{1F}\"", at: 1, "control character")
        expectRejected("\"\\t\u{1}\"", at: 3, "control character")  // slow path too
        expectRejected("{\"k\u{7}\":1}", at: 3, "control character")
    }

    @Test("bad escapes, and surrogates that are not half of a pair")
    func escapes() {
        expectRejected(#""\x""#, at: 1, "invalid escape")
        expectRejected(#""\U0041""#, at: 1, "invalid escape")
        expectRejected(#""\'""#, at: 1, "invalid escape")
        expectRejected(#""\u12g4""#, at: 1, #"invalid \u escape"#)
        expectRejected(#""\u12""#, at: 1, #"invalid \u escape"#)
        expectRejected(#""\ud800""#, at: 1, "lone surrogate")
        expectRejected(#""\udc00""#, at: 1, "lone surrogate")
        expectRejected(#""ab\udfff\ud800""#, at: 3, "lone surrogate")
        expectRejected(#""\ud800x""#, at: 1, "lone surrogate")
        expectRejected(#""\ud800\n""#, at: 1, "lone surrogate")
        expectRejected(#""\ud800\u0041""#, at: 1, "lone surrogate")
        expectRejected(#""\ud800\ud800""#, at: 1, "lone surrogate")
        expectRejected(#""\ud800\uzzzz""#, at: 7, #"invalid \u escape"#)
        expectRejected(#"{"\ud800":1}"#, at: 2, "lone surrogate")
    }

    @Test("duplicate member names, also when spelled differently")
    func duplicateKeys() {
        expectRejected(#"{"a":1,"a":2}"#, at: 7, "duplicate key")
        expectRejected(#"{"a":1,"b":2,"a":1}"#, at: 13, "duplicate key")
        expectRejected(#"{"a":1,"\u0061":2}"#, at: 7, "duplicate key")
        expectRejected(#"{"é":1, "\u00e9":2}"#, at: 9, "duplicate key")
        expectRejected(#"[{"x":{"y":0,"y":0}}]"#, at: 13, "duplicate key")
        // Equal names in different objects are fine.
        #expect((try? JSONValue.parse(#"{"a":{"a":1},"b":{"a":2}}"#)) != nil)
    }

    @Test("nesting beyond maxDepth is refused at the bracket that exceeds it")
    func nesting() {
        expectRejected(String(repeating: "[", count: 65) + String(repeating: "]", count: 65), at: 64, "nesting deeper than 64")
        expectRejected(String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65), at: 320, "nesting deeper than 64")
        expectRejected("[{\"a\":[1]}]", at: 6, "nesting deeper than 2", maxDepth: 2)
        expectRejected("[]", at: 0, "nesting deeper than 0", maxDepth: 0)
        expectRejected("[]", at: 0, "nesting deeper than 0", maxDepth: -5)
    }

    @Test("a million opening brackets neither overflow the stack nor take long")
    func millionBrackets() {
        let input = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        expectRejected(input, at: 64, "nesting deeper than 64")
        // The parser keeps its own stack, so even an unreasonable limit is safe while parsing.
        expectRejected(input, at: 1_000_000, "unexpected end of input", maxDepth: 2_000_000)
        let objects = Array(String(repeating: #"{"a":"#, count: 200_000).utf8)
        expectRejected(objects, at: 200_000 * 5, "unexpected end of input", maxDepth: 1_000_000)
    }

    @Test("errors describe themselves with their offset")
    func errorDescription() {
        #expect(JSONParseError(offset: 3, reason: "unexpected character").description == "unexpected character at byte 3")
        #expect(CanonicalJSONError(reason: "why").description == "why")
    }
}
