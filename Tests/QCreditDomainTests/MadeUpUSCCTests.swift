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
}
