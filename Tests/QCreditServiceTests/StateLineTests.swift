import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import QCreditStore
import Testing

@testable import QCreditService

/// The export answers a file without listings from one query (``StateRow``), and writes lines
/// as bytes directly; each line must be the canonical bytes of the one the file's full public
/// ``GradeView`` gives, whatever its grades' history.
@Suite struct StateLineTests {
    static let regulator = Caller(method: "test", peer: AuditContext.Peer(uid: 1, gid: 1, pid: 1))
    static let codes = (0..<4).map { USCC.madeUp(serial: 700 + $0) }

    @Test func theOneQueryLineIsTheFullViewsLine() async throws {
        let fixture = try await ServiceFixture()
        let registry = fixture.registry
        for (n, code) in Self.codes.enumerated() {
            _ = try await registry.register(RegistrationRequest(code: code, name: "State Co. \(n)"), by: Self.regulator)
        }
        try await expectSameLines(registry)  // nobody graded yet
        _ = try await registry.publishGrades(codes: Array(Self.codes.prefix(3)), by: Self.regulator)
        _ = try await registry.overrideGrade(
            code: Self.codes[1], grade: "C", reason: "decision", documentNumber: "No. 1", until: "2026-03-12", by: Self.regulator)
        _ = try await registry.proposeListing(
            ListingProposal(
                code: Self.codes[2], listType: "serious-dishonesty", reason: "counterfeits", legalBasis: "Art. 2",
                authority: "SAMR", documentNumber: "No. 2", decisionDate: "2026-03-01"), by: Self.regulator)
        try await expectSameLines(registry)  // an override in force; a file with a listing
        fixture.clock.advance(days: 20)
        _ = try await registry.recordEvent(
            EventInput(
                code: Self.codes[0], dimension: "product", kind: "penalty", severity: "medium", occurredOn: "2026-03-20",
                authority: "SAMR", documentNumber: "No. 3", summary: "spot check"), by: Self.regulator)
        _ = try await registry.publishGrades(codes: nil, by: Self.regulator)
        try await expectSameLines(registry)  // an override past its end; a grade replaced (its disclosure ends later)
        fixture.clock.advance(days: 800)
        try await expectSameLines(registry)  // the override's and the replaced grade's disclosure over
    }

    func expectSameLines(_ registry: Registry, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let moment = registry.clock.now()
        let date = moment.civilDate(in: registry.utcOffset)
        let policy = registry.policy
        let visibility = Visibility(view: .public, today: date, rules: policy.disclosure)
        let pairs = try await registry.database.read { reader in
            var lines: [(oneQuery: [UInt8], fullView: [UInt8], reference: [UInt8])] = []
            try reader.forEachEnterpriseInCodeOrder { id in
                let row = try #require(try reader.stateRow(enterpriseId: id, atOrBefore: moment))
                let view = try reader.gradeView(
                    enterprise: try #require(try reader.enterprise(id: id)), at: moment, date: date, policy: policy,
                    visibility: visibility)
                lines.append(
                    (
                        try RegistryExportSource.stateLineBytes(row, policy: policy, visibility: visibility, on: date),
                        try RegistryExportSource.stateLineBytes(view), try Self.referenceLine(view).canonicalBytes()
                    ))
            }
            return lines
        }
        #expect(pairs.count == Self.codes.count, sourceLocation: sourceLocation)
        for line in pairs {
            #expect(line.oneQuery == line.reference, sourceLocation: sourceLocation)
            #expect(line.fullView == line.reference, sourceLocation: sourceLocation)
        }
    }

    /// The state line as a value, the reference the bytes written directly must equal: who, the
    /// grade in force and what it rests on, the lists.
    static func referenceLine(_ view: GradeView) -> JSONValue {
        let enterprise = view.enterprise
        let inForce = view.inForce
        return [
            "uscc": JSONValue(enterprise.uscc), "orgCode": JSONValue(enterprise.orgCode), "name": .string(enterprise.name),
            "status": .string(enterprise.current.status.rawValue), "flags": .array(enterprise.flags.map(JSONValue.string)),
            "grade": JSONValue(inForce.grade), "basis": .string(inForce.basis.rawValue),
            "policyVersion": JSONValue(inForce.record?.policyVersion), "score": JSONValue(inForce.record?.score),
            "logIndex": JSONValue(inForce.publicationIndex), "listed": .array(view.listTypes.map(JSONValue.string)),
        ]
    }
}
