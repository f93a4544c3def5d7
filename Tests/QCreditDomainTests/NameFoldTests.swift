import QCreditDomain
import Testing

/// How names and queries are folded for search (README, *Find a firm by name*).
@Suite struct NameFoldTests {
    /// Folding keeps CJK Unified Ideographs and Extension A as they are without asking for their
    /// properties: none of them is white space, a format character or changed by lower-casing.
    @Test func noIdeographIsSpaceFormatOrCased() {
        for value: UInt32 in 0x3400...0x9FFF {
            let properties = Unicode.Scalar(value)!.properties
            #expect(!properties.isWhitespace && properties.generalCategory != .format && !properties.changesWhenLowercased,
                "U+\(String(value, radix: 16, uppercase: true))")
        }
    }

    @Test func aNameFoldsAsDocumented() {
        #expect(NameMatch.fold("贵州\u{3000}恒瑞\u{200B}水泥（中国）ＡＢ  Co.有限公司") == "贵州 恒瑞水泥(中国)ab co.有限公司")
        #expect(NameMatch.fold("\u{FEFF} IBM（中国）有限公司 ") == "ibm(中国)有限公司")
        #expect(NameMatch.fold("ÉCOLE\u{00AD} Ⅻ") == "école ⅻ")
    }
}
