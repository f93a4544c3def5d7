import CanonicalJSON
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// Roles come from the peer's credentials on every call; a peer without a method's role is
/// refused with the method and its roles, and nothing changes.
@Suite struct RoleTests {
    let code = "911522010783762860"

    @Test func everyMethodRefusesPeersWithoutItsRoles() async throws {
        let fixture = try await ServiceFixture()
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Co."])
        let roles = RegistryService.methodRoles
        let peers: [(VarlinkPeerCredentials, Role?)] = [
            (ServiceFixture.regulator, .regulator), (ServiceFixture.bank, .bank), (ServiceFixture.auditor, .auditor),
            (ServiceFixture.operator, .operator), (ServiceFixture.stranger, nil),
        ]
        let sizeBefore = try await fixture.logSize()
        for (method, allowed) in roles {
            for (peer, role) in peers where role.map({ !allowed.contains($0) }) ?? true {
                let replies = try await fixture.replies(method, ["code": .string(code)], as: peer, more: true)
                let interface = String(method[..<method.lastIndex(of: ".")!])
                #expect(
                    replies.first?.varlinkError
                        == VarlinkError(
                            name: "\(interface).PermissionDenied",
                            parameters: ["method": .string(method), "roles": .array(allowed.sorted().map { .string($0.rawValue) })]),
                    "\(method) as \(role?.rawValue ?? "no role")")
            }
        }
        #expect(try await fixture.logSize() == sizeBefore)
    }

    @Test func theRoleTableIsTheDocumentedOne() {
        let roles = RegistryService.methodRoles
        for (method, allowed) in roles {
            if method.hasPrefix("org.qcredit.query.") {
                #expect(allowed == [.regulator, .bank, .auditor], "\(method)")
            } else if method.hasPrefix("org.qcredit.audit.") {
                #expect(allowed == [.regulator, .bank, .auditor, .operator], "\(method)")
            } else if method.hasPrefix("org.qcredit.operator.") {
                #expect(allowed == [.operator], "\(method)")
            } else {
                #expect(allowed == [.regulator], "\(method)")
            }
        }
    }

    @Test func introspectionIsOpenToEveryone() async throws {
        let fixture = try await ServiceFixture()
        let info = try await fixture.call("org.varlink.service.GetInfo", as: ServiceFixture.stranger)
        #expect(info["interfaces"] == ["org.varlink.service", "org.qcredit.admin", "org.qcredit.audit", "org.qcredit.operator", "org.qcredit.query"])
        let description = try await fixture.call(
            "org.varlink.service.GetInterfaceDescription", ["interface": "org.qcredit.query"], as: ServiceFixture.stranger)
        #expect(description["description"]?.stringValue == RegistryInterfaces.texts["org.qcredit.query"])
    }

    @Test func banksSeeThePublicViewRegulatorsTheFullFile() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Co."])
        let proposal = try await fixture.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": "r", "legalBasis": "l", "authority": "a",
                "documentNumber": "d", "decisionDate": "2026-03-01",
            ])
        let id = try #require(proposal["listing"]?["id"])
        // A proposal is not public yet.
        #expect(try await fixture.call("org.qcredit.query.GetFile", ["code": .string(code)], as: ServiceFixture.bank)["file"]?["listings"] == [])
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        fixture.clock.advance(days: 366)
        try await fixture.repair(listing: id)
        let bankView = try await fixture.call("org.qcredit.query.GetFile", ["code": .string(code)], as: ServiceFixture.bank)
        #expect(bankView["file"]?["view"] == "public")
        #expect(bankView["file"]?["listings"] == [])
        let regulatorView = try await fixture.call("org.qcredit.query.GetFile", ["code": .string(code)])
        #expect(regulatorView["file"]?["listings"]?.arrayValue?.count == 1)
    }
}
