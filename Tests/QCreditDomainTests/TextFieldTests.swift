import QCreditDomain
import Testing

/// Free text is trimmed and refused when it holds a control character (general category Cc),
/// whatever fast path the checks take.
@Suite struct TextFieldTests {
    @Test(arguments: [0x00, 0x07, 0x1F, 0x7F, 0x85, 0x9F] as [UInt32])
    func aControlCharacterIsRefused(_ value: UInt32) {
        let text = "Spot check" + String(Unicode.Scalar(value)!) + "done"
        #expect(throws: RegistryError.self) { try TextField.required(text, "summary") }
    }

    @Test func lineBreaksAndOtherCharactersPass() throws {
        #expect(try TextField.required("第一行\n第二行", "summary") == "第一行\n第二行")
        #expect(try TextField.required("no\u{A0}break", "summary") == "no\u{A0}break")
    }

    @Test func surroundingWhiteSpaceIsTrimmed() throws {
        #expect(try TextField.required("  Example Co.\t", "name") == "Example Co.")
        #expect(try TextField.required("\u{3000}示例公司\u{3000}", "name") == "示例公司")
        #expect(try TextField.required("Example Co.", "name") == "Example Co.")
        #expect(try TextField.optional(" \n ", "name") == nil)
    }
}
