import CanonicalJSON
import QCreditDomain
import Testing

/// `NewEvent` is the one model of `org.qcredit.admin.NewEvent` that the service, the registry
/// and the client share: what one writes, the others read back.
@Suite struct NewEventTests {
    static let object: [String: JSONValue] = [
        "code": "911522010783762860", "dimension": "product", "kind": "recall", "severity": "low",
        "occurredOn": "2026-02-01", "authority": "AMR", "documentNumber": "1", "summary": "s", "legalBasis": .null,
    ]

    @Test func readsWhatItWritesAndLeavesOutAbsentOptionalMembers() throws {
        let event = try NewEvent(json: Self.object)
        #expect(event.legalBasis == nil)
        #expect(event.json["legalBasis"] == nil)
        #expect(try NewEvent(json: event.json) == event)
        var full = event
        full.evidenceUrl = "https://example.org/1"
        #expect(try NewEvent(json: full.json).evidenceUrl == "https://example.org/1")
    }

    @Test func refusalsNameTheMember() {
        var unknown = Self.object
        unknown["severty"] = "low"
        #expect(throws: NewEvent.Refusal.unknownMember("severty")) { try NewEvent(json: unknown) }
        var missing = Self.object
        missing["summary"] = nil
        missing["kind"] = .null
        #expect(throws: NewEvent.Refusal.missingMembers(["kind", "summary"])) { try NewEvent(json: missing) }
        var wrongType = Self.object
        wrongType["evidenceUrl"] = 3
        #expect(throws: NewEvent.Refusal.notAString(member: "evidenceUrl", found: "integer", optional: true)) {
            try NewEvent(json: wrongType)
        }
    }
}
