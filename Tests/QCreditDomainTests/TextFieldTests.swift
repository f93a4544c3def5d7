import QCreditDomain
import Testing

/// Free text is trimmed and refused when it holds a control character (general category Cc),
/// whatever fast path the checks take.
@Suite struct TextFieldTests {
    /// Four hexadecimal digits at least, as Unicode writes code points.
    func hex4(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    @Test(arguments: [0x00, 0x07, 0x1F, 0x7F, 0x85, 0x9F] as [UInt32])
    func aControlCharacterIsRefused(_ value: UInt32) {
        let text = "Spot check" + String(Unicode.Scalar(value)!) + "done"
        let expected = RegistryError.invalidArgument(
            parameter: "summary", reason: "contains the control character U+\(hex4(value))")
        #expect(throws: expected) { try TextField.required(text, "summary") }
        // The same between characters of two and three bytes.
        #expect(throws: expected) { try TextField.required("é" + String(Unicode.Scalar(value)!) + "示例", "summary") }
        #expect(throws: expected) { try TextField.required("示例" + String(Unicode.Scalar(value)!) + "é", "summary") }
    }

    /// A bidirectional override or isolate would make a published name or reason read otherwise
    /// than written ("Trojan Source"): refused, by its code point. The marks that carry no
    /// reordering of their own (U+200E, U+200F) and the characters beside the refused ranges pass.
    @Test(arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] as [UInt32])
    func aBidirectionalOverrideIsRefused(_ value: UInt32) {
        let text = "示例" + String(Unicode.Scalar(value)!) + "公司"
        let expected = RegistryError.invalidArgument(
            parameter: "name",
            reason: "contains the bidirectional formatting character U+\(String(value, radix: 16, uppercase: true)), "
                + "which changes the order in which text is shown")
        #expect(throws: expected) { try TextField.line(text, "name") }
        #expect(throws: expected) { try TextField.required(text, "name") }
    }

    @Test func charactersBesideTheBidirectionalOverridesPass() throws {
        for value: UInt32 in [0x200E, 0x200F, 0x2027, 0x202F, 0x2065, 0x206A, 0x2010] {
            let text = "示例" + String(Unicode.Scalar(value)!) + "公司"
            #expect(try TextField.required(text, "name") == text, "U+\(String(value, radix: 16))")
        }
    }

    /// The limit counts code points, not bytes: three-byte characters up to the limit pass.
    @Test func theLengthLimitCountsCodePoints() throws {
        let atLimit = String(repeating: "质", count: 500)
        #expect(try TextField.required(atLimit, "summary") == atLimit)
        #expect(throws: RegistryError.invalidArgument(parameter: "summary", reason: "has 501 characters; at most 500 are allowed")) {
            try TextField.required(atLimit + "量", "summary")
        }
        // A character of several code points counts each (as SQLite's length() does), so no
        // letter with thousands of combining marks passes as one character.
        let flags = String(repeating: "🇨🇳", count: 5)
        #expect(try TextField.required(flags, "name", maxLength: 10) == flags)
        #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "has 12 characters; at most 10 are allowed")) {
            try TextField.line(flags + "🇨🇳", "name", maxLength: 10)
        }
        let stacked = "A" + String(repeating: "\u{301}", count: 40_000)
        #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "has 40001 characters; at most 200 are allowed")) {
            try TextField.line(stacked, "name", maxLength: 200)
        }
    }

    /// A summary from a Windows file (CR LF) or an old Mac's (CR) is kept with line feeds; in
    /// a one-line field a carriage return is a line break, refused as one.
    @Test func windowsAndOldMacLineBreaksBecomeLineFeeds() throws {
        #expect(try TextField.required("第一行\r\n第二行\r\n\r\n第三行\r第四行", "summary") == "第一行\n第二行\n\n第三行\n第四行")
        #expect(try TextField.optional("a\r\nb", "summary") == "a\nb")
        #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "must be one line; it contains a line break (U+000D)")) {
            try TextField.line("示例\r公司", "name")
        }
    }

    @Test func lineBreaksAndOtherCharactersPass() throws {
        #expect(try TextField.required("第一行\n第二行", "summary") == "第一行\n第二行")
        #expect(try TextField.required("no\u{A0}break", "summary") == "no\u{A0}break")
        #expect(try TextField.required("\u{C2}\u{A0}\u{C2}", "summary") == "\u{C2}\u{A0}\u{C2}")
    }

    @Test func surroundingWhiteSpaceIsTrimmed() throws {
        #expect(try TextField.required("  Example Co.\t", "name") == "Example Co.")
        #expect(try TextField.required("\u{3000}示例公司\u{3000}", "name") == "示例公司")
        #expect(try TextField.required("Example Co.", "name") == "Example Co.")
        #expect(try TextField.optional(" \n ", "name") == nil)
    }

    /// One trimming rule for every input, typed or read from a file (the CLI's import and
    /// screen use it for each field): Unicode white space and the invisible U+FEFF, U+200B and
    /// U+2060 at either end go, inner ones stay.
    @Test(arguments: [
        ("\u{3000}示例公司\u{3000}", "示例公司"), ("\t91350100M000100Y43\r\n", "91350100M000100Y43"),
        ("\u{00A0}Example Co.\u{2003}", "Example Co."), ("示例 公司", "示例 公司"), ("A \u{301}", "A"), ("e\u{301}", "e\u{301}"), (" \u{3000}\t", ""), ("", ""),
        ("\u{FEFF}零宽\u{200B}公司\u{200B}", "零宽\u{200B}公司"), ("\u{2060} \u{FEFF}", ""),
    ])
    func whiteSpaceAtEitherEndIsTrimmed(_ input: String, _ expected: String) {
        #expect(input.trimmingWhitespace() == expected)
        #expect(input[...].trimmingWhitespace() == expected)
    }

    /// A date of the right form that is no day of the calendar says which part is wrong.
    @Test func aDateThatIsNoDayOfTheCalendarSaysWhy() {
        func reason(_ text: String) -> String? {
            do { _ = try TextField.date(text, "occurredOn") } catch { if case .invalidArgument(_, let reason) = error { return reason } }
            return nil
        }
        #expect(reason("2026-02-30") == "'2026-02-30' is not a day of the calendar: 2026-02 has 28 days, not 30")
        #expect(reason("2024-02-30") == "'2024-02-30' is not a day of the calendar: 2024-02 has 29 days, not 30")
        #expect(reason("2026-13-01") == "'2026-13-01' is not a day of the calendar: there is no month 13")
        #expect(reason("2026-04-00") == "'2026-04-00' is not a day of the calendar: there is no day 0")
        #expect(reason("2026-4-1") == "'2026-4-1' is not a date of the form YYYY-MM-DD")
        #expect(reason("2026-04-01") == nil)
    }
}
