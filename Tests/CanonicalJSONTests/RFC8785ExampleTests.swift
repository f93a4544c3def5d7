import Testing

import CanonicalJSON

/// The examples RFC 8785 itself gives; any JCS implementation must reproduce them byte for byte.
@Suite("RFC 8785 examples")
struct RFC8785ExampleTests {
    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their serialization.
    static let appendixB: [(bits: UInt64, text: String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),  // minus zero
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),  // round to even
    ]

    @Test("Appendix B: number serialization samples", arguments: appendixB)
    func appendixBNumbers(bits: UInt64, text: String) throws {
        let value = JSONValue.double(Double(bitPattern: bits))
        #expect(try canonicalText(value) == text)
        // The wire text too, but for a whole double of 2^53 or more, which keeps a fraction
        // there so that it is read back as a double (``wholeDoublesBeyondExactIntegersStayDoublesInMessages``).
        let double = Double(bitPattern: bits)
        let whole = abs(double) >= 0x1p53 && abs(double) < 1e21 && double == double.rounded()
        #expect(value.jsonText == text + (whole ? ".0" : ""))
        // Parsing the text gives back the same double (or the same integer).
        #expect(try JSONValue.parse(text).doubleValue == Double(bitPattern: bits))
    }

    @Test("Appendix B: NaN and Infinity have no canonical form; wire text writes null")
    func appendixBNonFinite() {
        for bits: UInt64 in [0x7FFF_FFFF_FFFF_FFFF, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000] {
            let value = JSONValue.array([.double(Double(bitPattern: bits))])
            #expect(throws: CanonicalJSONError.self) { try value.canonicalBytes() }
            #expect(value.jsonText == "[null]")
        }
    }

    /// §3.2.2's input, as printed in the RFC.
    static let section322Input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#

    @Test("§3.2.2: the combined sorting, number and string example")
    func section322() throws {
        let value = try JSONValue.parse(Self.section322Input)
        #expect(
            try canonicalText(value)
                == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        )
    }

    @Test("§3.2.4: the UTF-8 bytes of the §3.2.2 result")
    func section324() throws {
        let hex = """
            7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
            75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
            5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
            65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
            5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
            30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d
            """
        let expected = hex.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
        #expect(try JSONValue.parse(Self.section322Input).canonicalBytes() == expected)
    }

    @Test("§3.2.3: members sorted by UTF-16 code units")
    func section323() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","ö":"Latin Small Letter O With Diaeresis","#
            + #""€":"Euro Sign","😀":"Emoji: Grinning Face","\#u{FB33}":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try canonicalText(JSONValue.parse(input)) == expected)
    }
}
