import QCreditDomain
import Testing

/// Each error says exactly what is wrong, in words a clerk can act on, and problems are
/// reported in a fixed order.
@Suite struct EnterpriseCodeErrorTests {
    @Test func emptyInput() {
        for input in ["", "   ", " - ", "\u{3000}"] {
            let error = CodeCheck.error(input)
            #expect(error == CodeError(kind: .empty, codeKind: nil, code: ""))
        }
        #expect(CodeCheck.error("")?.reason == "no code given: the input is empty or only spaces and hyphens")
        #expect(CodeCheck.error("")?.description == "invalid enterprise code: no code given: the input is empty or only spaces and hyphens")
        #expect(CodeCheck.error("", as: .uscc)?.codeKind == .uscc)
    }

    @Test func wrongLengthWhenTheKindIsNotKnown() {
        let error = CodeCheck.error("9115220107837941X")
        #expect(error == CodeError(
            kind: .wrongLength, codeKind: nil, code: "9115220107837941X", expected: "18 or 9", found: "17"))
        #expect(error?.reason == "a code has 18 characters (USCC) or 9 (organization code, not counting the hyphen), found 17")
        #expect(error?.description == "invalid enterprise code \"9115220107837941X\": a code has 18 characters (USCC) or 9 (organization code, not counting the hyphen), found 17")
    }

    @Test func wrongLengthForAnExpectedKind() {
        let asUSCC = CodeCheck.error("07837941-X", as: .uscc)
        #expect(asUSCC == CodeError(kind: .wrongLength, codeKind: .uscc, code: "07837941X", expected: "18", found: "9"))
        #expect(asUSCC?.reason == "a USCC has 18 characters, found 9")

        let asOrgCode = CodeCheck.error("9115220107837941X1", as: .orgCode)
        #expect(asOrgCode == CodeError(kind: .wrongLength, codeKind: .orgCode, code: "9115220107837941X1", expected: "9", found: "18"))
        #expect(asOrgCode?.reason == "an organization code has 9 characters (not counting the hyphen), found 18")
        #expect(asOrgCode?.description == "invalid organization code \"9115220107837941X1\": an organization code has 9 characters (not counting the hyphen), found 18")
    }

    /// A look-alike of an allowed letter is named by its code point, and at a check position the
    /// character it should be is named too (audit: Cyrillic Х read as a forbidden X, and a USCC
    /// ending in I was "not allowed" without the check character it needed).
    @Test func aLookAlikeIsNamedByItsCodePointAndACheckPositionByWhatItShouldHold() {
        let cyrillic = CodeCheck.error("10000018-\u{0425}")
        #expect(cyrillic?.kind == .invalidCharacter && cyrillic?.position == 9 && cyrillic?.expected == "X", "\(String(describing: cyrillic))")
        #expect(cyrillic?.reason == "character 'Х' (U+0425) at position 9 is not allowed in an organization code, which uses only digits and capital letters; the check character there should be 'X'")
        let greek = CodeCheck.error("91152201\u{039F}78376286\u{0030}")
        #expect(greek?.position == 9 && greek?.expected == nil && greek?.reason.hasPrefix("character 'Ο' (U+039F) at position 9") == true, "\(String(describing: greek))")
        let endingInI = CodeCheck.error("91152201078376286I")
        #expect(endingInI?.kind == .invalidCharacter && endingInI?.position == 18 && endingInI?.expected == "0", "\(String(describing: endingInI))")
        #expect(endingInI?.reason.hasSuffix("; the check character there should be '0'") == true, "\(String(describing: endingInI))")
    }

    /// A NUL or a direction override in a code is named where it is, before the length (which it
    /// made wrong: "found 19" sent the clerk counting characters they could not see).
    @Test func aControlOrFormatCharacterIsNamedBeforeTheLength() {
        let withNUL = CodeCheck.error("91152201078379411X\u{0}")
        #expect(withNUL?.kind == .invalidCharacter && withNUL?.position == 19, "\(String(describing: withNUL))")
        #expect(withNUL?.reason.hasPrefix("character U+0000 at position 19 is not allowed") == true, "\(withNUL?.reason ?? "")")
        let withOverride = CodeCheck.error("9115\u{202E}2201078379411X", as: .uscc)
        #expect(withOverride?.position == 5)
        #expect(withOverride?.reason.hasPrefix("character U+202E at position 5 is not allowed in a USCC") == true)
    }

    /// Any character no code uses is named at its position before the length it made wrong, as
    /// the README promises ("any other character stays, to be reported at its position").
    @Test func aCharacterNoCodeUsesIsNamedBeforeTheLength() {
        let stop = CodeCheck.error("911522010783762860.")
        #expect(stop == CodeError(kind: .invalidCharacter, codeKind: nil, code: "911522010783762860.", position: 19, found: "."))
        #expect(stop?.reason == "character '.' at position 19 is not allowed in a code, which uses only digits and capital letters")
        let han = CodeCheck.error("07837628号6")
        #expect(han?.kind == .invalidCharacter && han?.position == 9 && han?.found == "号", "\(String(describing: han))")
        // A NUL in ten characters: not called a USCC's.
        #expect(CodeCheck.error("078376286\u{0}")?.reason.hasSuffix("is not allowed in a code, which uses only digits and capital letters") == true)
    }

    @Test func invalidCharacterInAUSCCNamesTheLettersNeverUsed() {
        let error = CodeCheck.error("91152201078379I1X1")
        #expect(error == CodeError(kind: .invalidCharacter, codeKind: .uscc, code: "91152201078379I1X1", position: 15, found: "I"))
        #expect(error?.reason == "character 'I' at position 15 is not allowed in a USCC, which uses digits and capital letters except I, O, S, V and Z")
        #expect(error?.description == "invalid USCC \"91152201078379I1X1\": character 'I' at position 15 is not allowed in a USCC, which uses digits and capital letters except I, O, S, V and Z")
        #expect(USCC.excludedLetters == ["I", "O", "S", "V", "Z"])
    }

    @Test func invalidCharacterInAnOrganizationCode() {
        let error = CodeCheck.error("0783#941-X")
        #expect(error == CodeError(kind: .invalidCharacter, codeKind: .orgCode, code: "0783#941X", position: 5, found: "#"))
        #expect(error?.reason == "character '#' at position 5 is not allowed in an organization code, which uses only digits and capital letters")
        // Letters excluded from the USCC alphabet are fine in a legacy organization code.
        #expect(OrganizationCode.value(of: "I") == 18)
        #expect(OrganizationCode.value(of: "Z") == 35)
    }

    @Test func invisibleCharactersAreShownAsCodePoints() {
        let error = CodeCheck.error("0783\u{7}941X")
        #expect(error?.position == 5)
        #expect(error?.reason == "character U+0007 at position 5 is not allowed in an organization code, which uses only digits and capital letters")
    }

    @Test func wrongCheckCharacterOfAUSCC() {
        let error = CodeCheck.error("91340600MA2PBMA743")
        #expect(error == CodeError(kind: .wrongCheckCharacter, codeKind: .uscc, code: "91340600MA2PBMA743", position: 18, expected: "B", found: "3"))
        #expect(error?.reason == "check character at position 18 should be 'B', found '3'")
        #expect(error?.description == "invalid USCC \"91340600MA2PBMA743\": check character at position 18 should be 'B', found '3'")
    }

    @Test func wrongCheckCharacterOfAnOrganizationCode() {
        let error = CodeCheck.error("07837941-3")
        #expect(error == CodeError(kind: .wrongCheckCharacter, codeKind: .orgCode, code: "078379413", position: 9, expected: "X", found: "3"))
        #expect(error?.reason == "check character at position 9 should be 'X', found '3'")
        // A letter in the check position gets the same precise answer.
        #expect(CodeCheck.error("07837941-A")?.reason == "check character at position 9 should be 'X', found 'A'")
    }

    @Test func wrongEmbeddedOrganizationCodeInAUSCCWithACorrectCheckCharacter() throws {
        // 91340600MA2PBMA74B embeds MA2PBMA7-4; make it MA2PBMA7-5 and fix position 18.
        let forged = CodeCheck.usccCompleting("91340600MA2PBMA75")
        #expect(forged == "91340600MA2PBMA75E")
        let error = CodeCheck.error(forged)
        #expect(error == CodeError(
            kind: .wrongEmbeddedCheckCharacter, codeKind: .uscc, code: forged, position: 17, expected: "4", found: "5"))
        #expect(error?.reason == "the embedded organization code (positions 9–17) is wrong: its check character at position 17 should be '4', found '5'")
    }

    @Test func checksRunInTheDocumentedOrder() {
        // Length before characters: 17 characters, one of them invalid.
        #expect(CodeCheck.error("91152201O7837941X")?.kind == .wrongLength)
        // Characters before the check character: an invalid character and a wrong check.
        #expect(CodeCheck.error("91152201O7837941X2")?.kind == .invalidCharacter)
        // The first invalid character is the one reported.
        #expect(CodeCheck.error("9115220IO7837941X1")?.position == 8)
        // USCC check before the embedded check: both wrong, position 18 is reported.
        let bothWrong = "91340600MA2PBMA75B"
        #expect(CodeCheck.error(bothWrong)?.kind == .wrongCheckCharacter)
        #expect(CodeCheck.error(bothWrong)?.position == 18)
    }
}
