import QCreditDomain
import Testing

/// The invented codes that test data and load tools use are valid, distinct codes.
@Suite struct MadeUpUSCCTests {
    @Test func madeUpCodesValidateAndEmbedTheirSerial() throws {
        #expect(USCC.madeUp(serial: 10_000_000) == "91410100100000008U")
        var seen = Set<String>()
        for serial in [0, 1, 9, 10_000_000, 10_000_001, 31_415_926, 99_999_999] {
            let code = try EnterpriseCode(validating: USCC.madeUp(serial: serial))
            #expect(code.kind == .uscc)
            #expect(code.divisionCode == "410100")
            #expect(code.orgCode.prefix(8) == String(repeating: "0", count: 8 - String(serial).count) + String(serial))
            seen.insert(code.value)
        }
        #expect(seen.count == 7)
    }

    /// Made up with integer arithmetic, they are what the checkers compute character by
    /// character, whichever check character (X and 0 included) the body gives.
    @Test func madeUpCodesAreWhatTheCheckersCompute() {
        var organizationChecks = Set<Character>()
        for serial in stride(from: 0, to: 100_000_000, by: 99_991) {
            var body = String(serial)
            body = String(repeating: "0", count: 8 - body.count) + body
            let organizationCheck = OrganizationCode.checkCharacter(forBody: body)!
            organizationChecks.insert(organizationCheck)
            let first17 = "91410100" + body + String(organizationCheck)
            #expect(USCC.madeUp(serial: serial) == first17 + String(USCC.checkCharacter(forFirst17: first17)!))
        }
        #expect(organizationChecks.count == 11, "every organization check character, X and 0 included")
    }
}
