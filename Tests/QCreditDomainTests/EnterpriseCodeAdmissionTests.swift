import QCreditDomain
import Testing

/// Pilot codes issued with a wrong check character can be admitted, but only through the
/// explicit entry point, which says which check failed, and never for any other fault.
@Suite struct EnterpriseCodeAdmissionTests {
    @Test func validCodesAreAdmittedWithoutAFlag() throws {
        for input in ["91340600MA2PBMA74B", "MA2PBMA7-4"] {
            let admitted = try EnterpriseCode.admittingWrongCheckCharacter(input)
            #expect(admitted.checkError == nil)
            #expect(admitted.code == (try EnterpriseCode(validating: input)))
        }
    }

    @Test func aUSCCWithAWrongCheckCharacterIsAdmittedWithTheError() throws {
        let input = "9134 0600 MA2P BMA7 43"
        #expect(CodeCheck.error(input) != nil)
        let admitted = try EnterpriseCode.admittingWrongCheckCharacter(input)
        #expect(admitted.code.value == "91340600MA2PBMA743")
        #expect(admitted.code.kind == .uscc)
        #expect(admitted.code.orgCode == "MA2PBMA74")
        #expect(admitted.checkError == CodeCheck.error(input))
        #expect(admitted.checkError?.kind == .wrongCheckCharacter)
        #expect(admitted.checkError?.position == 18)
    }

    @Test func aUSCCWithAWrongEmbeddedCheckCharacterIsAdmittedWithTheError() throws {
        let admitted = try EnterpriseCode.admittingWrongCheckCharacter("91340600MA2PBMA75E")
        #expect(admitted.code.orgCode == "MA2PBMA75")
        #expect(admitted.checkError?.kind == .wrongEmbeddedCheckCharacter)
        #expect(admitted.checkError?.expected == "4")
    }

    @Test func aUSCCWithBothCheckCharactersWrongIsAdmittedWithTheFirstError() throws {
        let admitted = try EnterpriseCode.admittingWrongCheckCharacter("91340600MA2PBMA75B")
        #expect(admitted.checkError?.kind == .wrongCheckCharacter)
        #expect(admitted.checkError?.position == 18)
    }

    @Test func anOrganizationCodeWithAWrongCheckCharacterIsAdmittedWithTheError() throws {
        let admitted = try EnterpriseCode.admittingWrongCheckCharacter("07837941-3")
        #expect(admitted.code.value == "078379413")
        #expect(admitted.checkError?.kind == .wrongCheckCharacter)
        #expect(admitted.checkError?.position == 9)
    }

    @Test(arguments: ["", "9134060MA2PBMA74B", "91340600MA2PBMO74B", "0783794-X", "07837941-X", "07837941-x"])
    func anyOtherFaultIsStillAnError(_ input: String) {
        do {
            let admitted = try EnterpriseCode.admittingWrongCheckCharacter(input, as: .uscc)
            Issue.record("admitted \(admitted.code) as a USCC")
        } catch {
            #expect(error.kind != .wrongCheckCharacter && error.kind != .wrongEmbeddedCheckCharacter)
            #expect(error == CodeCheck.error(input, as: .uscc))
        }
    }
}
