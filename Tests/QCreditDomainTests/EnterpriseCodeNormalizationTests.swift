import QCreditDomain
import Testing

/// Codes arrive copied from documents and web pages; whatever way they were written, the
/// same code must come out.
@Suite struct EnterpriseCodeNormalizationTests {
    @Test(arguments: [
        "9115220107837941X1",
        "  9115220107837941X1\n",
        "9115 2201 0783 7941 X1",
        "9115-2201-0783-7941-X1",
        "9115220107837941x1",
        "\t91152201 07837941-x1 ",
        "９１１５２２０１０７８３７９４１Ｘ１",            // full-width digits and letter
        "９１１５２２０１０７８３７９４１ｘ１",            // full-width lower case
        "９１１５　２２０１　０７８３　７９４１　Ｘ１",    // ideographic spaces
        "91152201－07837941－X1",                    // full-width hyphens
        "91152201—07837941—X1",                      // em dashes, as GB 11714 prints them
        "\u{FEFF}9115220107837941X1\u{200B}",        // BOM and zero-width space from web pages
        "9115220107837941X1\u{00A0}",                // no-break space
    ])
    func usccWrittenAnyWayIsTheSameCode(_ input: String) throws {
        #expect(EnterpriseCode.normalize(input) == "9115220107837941X1")
        let code = try EnterpriseCode(validating: input)
        #expect(code.value == "9115220107837941X1")
        #expect(code.orgCode == "07837941X")
    }

    /// Every character Unicode marks as a dash, and the soft hyphen a web page copies along.
    @Test(arguments: [
        0x2010, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D, 0x2E3A, 0x2E3B, 0x301C, 0x3030, 0xFE31, 0xFE32, 0x30A0, 0x2E17,
        0x2E1A, 0x2E40, 0x2E5D, 0x058A, 0x05BE, 0x1400, 0x1806, 0x10EAD, 0x00AD,
    ] as [UInt32])
    func anyDashBetweenTheGroupsIsDropped(_ dash: UInt32) throws {
        let mark = String(Character(try #require(Unicode.Scalar(dash))))
        #expect(try EnterpriseCode(validating: "07837941\(mark)X").value == "07837941X", "U+\(String(dash, radix: 16, uppercase: true))")
    }

    @Test(arguments: ["07837941X", "07837941-X", "07837941-x", "０７８３７９４１－ｘ", " 0783 7941 X "])
    func organizationCodeWrittenAnyWayIsTheSameCode(_ input: String) throws {
        let code = try EnterpriseCode(validating: input)
        #expect(code.kind == .orgCode)
        #expect(code.value == "07837941X")
        #expect(code.formattedOrgCode == "07837941-X")
    }

    @Test func normalisationKeepsEverythingElseSoItCanBeReported() {
        #expect(EnterpriseCode.normalize("9115.2201/0783_7941X1") == "9115.2201/0783_7941X1")
        #expect(EnterpriseCode.normalize("ß中é") == "ß中é")  // no Unicode case mapping: "ß" is not "SS"
        #expect(EnterpriseCode.normalize("") == "")
        #expect(EnterpriseCode.normalize(" - \u{3000}－ ") == "")
    }

    @Test func positionsCountTheNormalisedCode() {
        // The 'O' is the 9th character once the spaces are gone.
        let error = CodeCheck.error("9115 2201 O783 7941 X1")
        #expect(error?.kind == .invalidCharacter)
        #expect(error?.code == "91152201O7837941X1")
        #expect(error?.position == 9)
        #expect(error?.found == "O")
    }
}
