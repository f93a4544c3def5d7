import QCreditDomain
import Testing

/// Check-character arithmetic of both standards, against published codes and the formulas.
@Suite struct OrganizationCodeTests {
    /// Published codes, independent of the USCC fixture: Wenzhou party offices listed with
    /// their organization codes (中共温州市委办公室 00251805-7, 中共温州市委组织部 00251807-3,
    /// 中共温州市委老干部局 00251808-1), as quoted in the repository QiaoRongrong/wishdemo,
    /// sub-projects/purejava/src/main/java/org/qr/purejava/orgcode/OrgCodeGenerator.java.
    @Test(arguments: ["00251805-7", "00251807-3", "00251808-1"])
    func publishedOrganizationCodesAreAccepted(_ published: String) throws {
        let code = try EnterpriseCode(validating: published)
        #expect(code.kind == .orgCode)
        #expect(code.formattedOrgCode == published)
        #expect(OrganizationCode.checkCharacter(forBody: String(published.prefix(8))) == published.last)
    }

    /// C = 10 is written X, C = 11 is written 0 (bodies found with the check function and
    /// verified by hand: 1·7 + 8·2 = 23 ≡ 1 → X; 1·3 + 4·2 = 11 ≡ 0 → 0).
    @Test func checkValuesTenAndElevenAreWrittenXAndZero() throws {
        #expect(OrganizationCode.checkCharacter(forBody: "10000018") == "X")
        #expect(OrganizationCode.checkCharacter(forBody: "10000004") == "0")
        #expect(OrganizationCode.checkCharacter(forBody: "00251809") == "X")
        #expect(try EnterpriseCode(validating: "10000018-X").value == "10000018X")
        #expect(try EnterpriseCode(validating: "10000004-0").value == "100000040")
        #expect(CodeCheck.error("10000004-O")?.kind == .wrongCheckCharacter)  // letter O, not zero
        #expect(CodeCheck.error("10000018-10")?.kind == .wrongLength)         // "10" is not a check character
    }

    @Test func organizationCodeCheckFollowsTheFormula() {
        let body = "D2143569"
        let values = body.map { OrganizationCode.value(of: $0)! }
        #expect(values == [13, 2, 1, 4, 3, 5, 6, 9])
        let c = 11 - zip(values, [3, 7, 9, 10, 5, 8, 4, 2]).reduce(0) { $0 + $1.0 * $1.1 } % 11
        #expect(OrganizationCode.checkCharacter(forBody: body) == (c == 10 ? "X" : c == 11 ? "0" : Character(String(c))))
    }

    @Test func checkFunctionsRefuseMalformedInput() {
        #expect(OrganizationCode.checkCharacter(forBody: "1234567") == nil)
        #expect(OrganizationCode.checkCharacter(forBody: "123456789") == nil)
        #expect(OrganizationCode.checkCharacter(forBody: "1234567a") == nil)
        #expect(OrganizationCode.checkCharacter(forBody: "1234567#") == nil)
        #expect(USCC.checkCharacter(forFirst17: "9134060MA2PBMA74") == nil)
        #expect(USCC.checkCharacter(forFirst17: "91340600MA2PBMA7I") == nil)
        #expect(USCC.value(of: "O") == nil)
        #expect(USCC.value(of: "0") == 0)
        #expect(USCC.value(of: "Y") == 30)
        #expect(USCC.value(of: "Ｙ") == nil)  // normalise first
    }

    @Test func usccWeightsArePowersOfThreeModulo31() {
        var power = 1
        for weight in USCC.weights {
            #expect(weight == power)
            power = power * 3 % 31
        }
        #expect(USCC.weights.count == 17)
        #expect(USCC.alphabet.count == 31)
        #expect(Set(USCC.alphabet).isDisjoint(with: USCC.excludedLetters))
    }

    @Test func usccCheckCharacterFollowsTheFormula() throws {
        for text in try CodeFixtures.publishedUSCCs().prefix(20) {
            let first17 = Array(text.prefix(17))
            let sum = zip(first17, USCC.weights).reduce(0) { $0 + USCC.alphabet.firstIndex(of: $1.0)! * $1.1 }
            #expect(USCC.checkCharacter(forFirst17: String(first17)) == USCC.alphabet[(31 - sum % 31) % 31])
        }
    }
}
