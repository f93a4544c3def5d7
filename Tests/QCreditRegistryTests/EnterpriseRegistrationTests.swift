import QCreditDomain
import QCreditRegistry
import Testing

@Suite struct EnterpriseRegistrationTests {
    @Test func aFileIsFoundByItsUSCCAndByItsEmbeddedOrganizationCode() async throws {
        let fixture = try await RegistryFixture()
        let enterprise = try await fixture.register(RegistryFixture.usccA, name: "Inner Mongolia Example Co.")
        #expect(enterprise.uscc == RegistryFixture.usccA)
        #expect(enterprise.orgCode == "078376286")
        #expect(enterprise.current.divisionCode == "152201")
        #expect(enterprise.current.entityType == "enterprise")
        for form in [RegistryFixture.usccA, "078376286", "07837628-6", " 9115 2201 0783 7628 60 ", "０７８３７６２８－６"] {
            let found = try await fixture.registry.enterprise(code: form)
            #expect(found.id == enterprise.id, "lookup by \(form)")
        }
    }

    @Test func registeringACodeTwiceIsRefused() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        await #expect(throws: RegistryError.alreadyRegistered(code: RegistryFixture.usccA)) {
            try await fixture.register(RegistryFixture.usccA)
        }
        await #expect(throws: RegistryError.alreadyRegistered(code: "078376286")) {
            try await fixture.register("07837628-6")
        }
        // Another USCC around the same organization code names the code the file holds.
        let first17 = "92440300" + "078376286"
        let other = first17 + String(USCC.checkCharacter(forFirst17: first17)!)
        await #expect(throws: RegistryError.alreadyRegistered(code: "078376286")) {
            try await fixture.register(other)
        }
    }

    @Test func aWrongCodeIsAnInvalidCodeErrorNeverNotFound() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let wrong = "911522010783762861"
        do {
            _ = try await fixture.registry.enterprise(code: wrong)
            Issue.record("a wrong check character was accepted")
        } catch RegistryError.invalidCode(let error) {
            #expect(error.kind == .wrongCheckCharacter)
            #expect(error.position == 18)
            #expect(error.expected == "0")
            #expect(error.found == "1")
        }
        await #expect(throws: RegistryError.notFound(code: RegistryFixture.usccB)) {
            try await fixture.registry.enterprise(code: RegistryFixture.usccB)
        }
    }

    /// A USCC carries its division: the same one given beside it is fine, another is refused
    /// rather than silently ignored, and a malformed one is refused for any code.
    @Test func aDivisionCodeBesideAUSCCMustBeItsOwn() async throws {
        let fixture = try await RegistryFixture()
        let own = try await fixture.registry.register(
            RegistrationRequest(code: RegistryFixture.usccA, name: "Own Division Co.", divisionCode: "152201"), by: RegistryFixture.regulator)
        #expect(own.current.divisionCode == "152201")
        for (division, reason) in [("440300", "is not the division of USCC"), ("abc", "six-digit")] {
            do {
                _ = try await fixture.registry.register(
                    RegistrationRequest(code: RegistryFixture.usccB, name: "Other Co.", divisionCode: division), by: RegistryFixture.regulator)
                Issue.record("divisionCode \(division) was accepted")
            } catch let error as RegistryError {
                #expect(error.reason.contains(reason), "\(error)")
            }
        }
        await #expect(throws: RegistryError.self) { try await fixture.registry.enterprise(code: RegistryFixture.usccB) }
    }

    /// A USCC carries its entity type too (position 2 under registration authority 9): the same
    /// one given beside it is fine, another is refused; an organization code takes the one given.
    @Test func anEntityTypeBesideAUSCCMustBeItsOwn() async throws {
        let fixture = try await RegistryFixture()
        let own = try await fixture.registry.register(
            RegistrationRequest(code: RegistryFixture.usccA, name: "Own Type Co.", entityType: "enterprise"), by: RegistryFixture.regulator)
        #expect(own.current.entityType == "enterprise")
        for type in ["individual-business", "spaceship"] {
            do {
                _ = try await fixture.registry.register(
                    RegistrationRequest(code: RegistryFixture.usccB, name: "Other Co.", entityType: type), by: RegistryFixture.regulator)
                Issue.record("entityType \(type) was accepted beside an enterprise's USCC")
            } catch let RegistryError.invalidArgument(parameter, reason) {
                #expect(parameter == "entityType")
                #expect(reason == "\(type) is not the entity type of USCC \(RegistryFixture.usccB), which is enterprise; leave it out")
            }
        }
        await #expect(throws: RegistryError.self) { try await fixture.registry.enterprise(code: RegistryFixture.usccB) }
        let legacy = try await fixture.registry.register(
            RegistrationRequest(code: RegistryFixture.legacyOrgCode, name: "Wenzhou Institute", entityType: "public-institution"),
            by: RegistryFixture.regulator)
        #expect(legacy.current.entityType == "public-institution")

        // A legacy file given its USCC takes the type the USCC names, over the one it had.
        let shop = try await fixture.registry.register(
            RegistrationRequest(code: "500000015", name: "Shop", entityType: "enterprise"), by: RegistryFixture.regulator)
        #expect(shop.current.entityType == "enterprise")
        let attached = try await fixture.register("92110000500000015L", name: "Shop")
        #expect(attached.id == shop.id)
        #expect(attached.current.entityType == "individual-business")
    }

    @Test func aLegacyFileGainsItsUSCCInsteadOfASecondFile() async throws {
        let fixture = try await RegistryFixture()
        let legacy = try await fixture.registry.register(
            RegistrationRequest(code: RegistryFixture.legacyOrgCode, name: "Wenzhou Office", divisionCode: "330300"),
            by: RegistryFixture.regulator)
        #expect(legacy.uscc == nil)
        // Before the USCC is registered, a query by it still reaches the legacy file.
        #expect(try await fixture.registry.enterprise(code: RegistryFixture.usccOfLegacy).id == legacy.id)
        let upgraded = try await fixture.register(RegistryFixture.usccOfLegacy, name: "Wenzhou Office (renamed)")
        #expect(upgraded.id == legacy.id)
        #expect(upgraded.uscc == RegistryFixture.usccOfLegacy)
        #expect(upgraded.formerNames == ["Wenzhou Office"])
    }

    @Test func aPilotCodeWithAWrongCheckCharacterIsAdmittedOnlyWhenAskedAndFlagged() async throws {
        let fixture = try await RegistryFixture()
        let pilot = "911522010783762861"
        await #expect(throws: RegistryError.self) { try await fixture.register(pilot) }
        let admitted = try await fixture.registry.register(
            RegistrationRequest(code: pilot, name: "Pilot Co.", admitWrongCheckCharacter: true), by: RegistryFixture.regulator)
        #expect(admitted.flags == ["check-character-warning"])
        #expect(admitted.codes.first?.checkWarning?.contains("position 18") == true)
        // That exact code now finds the file; other wrong codes are still refused.
        #expect(try await fixture.registry.enterprise(code: pilot).id == admitted.id)
        await #expect(throws: RegistryError.self) { try await fixture.registry.enterprise(code: "911522010783762862") }
    }

    @Test func renamesAndStatusChangesKeepTheHistory() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA, name: "Old Name Co.")
        let renamed = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: RegistryFixture.usccA, name: "New Name Co.", reason: "change of name", documentNumber: "变更〔2026〕1号"),
            by: RegistryFixture.regulator)
        #expect(renamed.name == "New Name Co.")
        #expect(renamed.formerNames == ["Old Name Co."])
        let closed = try await fixture.registry.updateEnterprise(
            EnterpriseUpdate(code: RegistryFixture.usccA, status: "deregistered", effectiveOn: "2026-03-01", reason: "deregistration"),
            by: RegistryFixture.regulator)
        #expect(closed.current.status == .deregistered)
        #expect(closed.revisions.count == 3)
        // A change to what the file already has is refused, and no revision reads as one made.
        await #expect(throws: RegistryError.invalidArgument(parameter: "status", reason: "changes nothing: the file already has that status")) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, status: "deregistered", reason: "again"), by: RegistryFixture.regulator)
        }
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "changes nothing: the file already has that name and status")) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, name: "New Name Co.", status: "deregistered", reason: "again"),
                by: RegistryFixture.regulator)
        }
        #expect(try await fixture.registry.enterprise(code: RegistryFixture.usccA).revisions.count == 3)
        await #expect(throws: RegistryError.invalidArgument(parameter: "status", reason: "'closed' is not one of: active, deregistered, licence-revoked")) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, status: "closed", reason: "x"), by: RegistryFixture.regulator)
        }
        // A change is recorded when it takes effect, not ahead of it.
        await #expect(
            throws: RegistryError.invalidArgument(
                parameter: "effectiveOn", reason: "2026-03-03 is in the future (today is 2026-03-02); record the change when it takes effect")
        ) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, status: "active", effectiveOn: "2026-03-03", reason: "x"),
                by: RegistryFixture.regulator)
        }
        // A blank name beside a status is refused, not read as "no rename".
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "must not be empty")) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, name: " ", status: "active", reason: "x"), by: RegistryFixture.regulator)
        }
        #expect(try await fixture.registry.enterprise(code: RegistryFixture.usccA).revisions.count == 3)
    }

    @Test func blankOrControlCharacterNamesAreRefused() async throws {
        let fixture = try await RegistryFixture()
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "must not be empty")) {
            try await fixture.register(RegistryFixture.usccA, name: "   ")
        }
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "contains the control character U+001B")) {
            try await fixture.register(RegistryFixture.usccA, name: "Evil\u{1B}[2J Co.")
        }
        // A name is one line: a line break would split the row of a table or a CSV cell.
        let broken = RegistryError.invalidArgument(parameter: "name", reason: "must be one line; it contains a line break (U+000A)")
        await #expect(throws: broken) {
            try await fixture.register(RegistryFixture.usccA, name: "line1\nline2")
        }
        await #expect(
            throws: RegistryError.invalidArgument(parameter: "name", reason: "must be one line; it contains a line break (U+2029)")
        ) {
            try await fixture.register(RegistryFixture.usccA, name: "Para\u{2029}graph Co.")
        }
        // At either end too: refused, not trimmed away unseen.
        await #expect(throws: broken) {
            try await fixture.register(RegistryFixture.usccA, name: "Trailing Break Co.\n")
        }
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "contains the control character U+0009")) {
            try await fixture.register(RegistryFixture.usccA, name: "\tLeading Tab Co.")
        }
        try await fixture.register(RegistryFixture.usccA, name: "One Line Co.")
        await #expect(throws: broken) {
            try await fixture.registry.updateEnterprise(
                EnterpriseUpdate(code: RegistryFixture.usccA, name: "Two\nLines Co.", reason: "x"), by: RegistryFixture.regulator)
        }
    }
}
