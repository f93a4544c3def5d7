import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import QCreditStore
import Testing

/// What the audit trail keeps of an import batch.
@Suite struct ImportAuditTests {
    @Test func anImportBatchIsAuditedByItsPlaceCountAndDigestNotItsRows() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let code = RegistryFixture.usccA
        try await fixture.register(code)
        let summary = "Substandard products found in a spot check"
        // The service hands the registry the call's parameters, rows included.
        let caller = Caller(
            method: "org.qcredit.admin.ImportEvents", peer: RegistryFixture.regulator.peer,
            parameters: ["events": [["code": .string(code), "summary": .string(summary)]], "importId": "inspections-2026-03"])
        let event = fixture.event(code, kind: "penalty", severity: "high", occurredOn: "2026-03-01")
        let place = ImportBatchPlace(importId: "inspections-2026-03", firstLine: 2, lastLine: 2, rowsDigest: Array(repeating: 0xab, count: 32))
        let outcome = try await fixture.registry.importEvents([event], place: place, naming: { "\($0)" }, by: caller)
        #expect(outcome.imported == 1)

        let entry = try #require(try await fixture.database.read { try $0.auditEntries() }.last)
        #expect(entry.method == "org.qcredit.admin.ImportEvents")
        let parameters = try JSONValue.parse(Array(entry.parameters.utf8))
        #expect(parameters["importId"] == "inspections-2026-03")
        #expect(parameters["firstLine"] == 2 && parameters["lastLine"] == 2 && parameters["events"] == 1)
        #expect(parameters["rowsSHA256"] == .string(String(repeating: "ab", count: 32)))
        #expect(!entry.parameters.contains(summary))
        // The row itself is in the registry, with the audit entry's id.
        #expect(try await fixture.registry.creditFile(code: code, view: .full).events.map(\.details.summary) == [summary])

        // The batch sent again changes nothing: no row, and no audit entry that would read as a
        // second import of it.
        let entries = try await fixture.database.read { try $0.auditEntries() }.count
        let again = try await fixture.registry.importEvents([event], place: place, naming: { "\($0)" }, by: caller)
        #expect(again.alreadyApplied && again.imported == 1)
        #expect(try await fixture.database.read { try $0.auditEntries() }.count == entries)
        #expect(try await fixture.registry.creditFile(code: code, view: .full).events.count == 1)
    }

    /// Each row takes at least one line: a batch claiming fewer lines than it has rows is
    /// refused whole, so the lines recorded as applied are the lines whose rows were.
    @Test func aBatchClaimingFewerLinesThanRowsIsRefused() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let code = RegistryFixture.usccA
        try await fixture.register(code)
        let caller = Caller(method: "org.qcredit.admin.ImportEvents", peer: RegistryFixture.regulator.peer, parameters: [:])
        let events = [
            fixture.event(code, kind: "penalty", severity: "high", occurredOn: "2026-03-01"),
            fixture.event(code, kind: "penalty", severity: "low", occurredOn: "2026-03-01"),
        ]
        let squeezed = ImportBatchPlace(importId: "squeezed", firstLine: 2, lastLine: 2)
        await #expect(throws: RegistryError.invalidArgument(parameter: "lastLine", reason: "lines 2–2 cannot hold 2 rows (each row takes at least one line)")) {
            try await fixture.registry.importEvents(events, place: squeezed, naming: { "\($0)" }, by: caller)
        }
        #expect(try await fixture.registry.creditFile(code: code, view: .full).events.isEmpty)
        // Line numbers are answered as JSON numbers: none past 2^53 − 1 (one was taken before).
        for (first, last) in [(Int64(1), Int64(9_007_199_254_740_992)), (9_223_372_036_854_775_806, Int64.max)] {
            let past = ImportBatchPlace(importId: "squeezed", firstLine: first, lastLine: last)
            await #expect(
                throws: RegistryError.invalidArgument(parameter: "lastLine", reason: "line \(last) is beyond 2^53−1, past the end of any file")
            ) {
                try await fixture.registry.importEvents(events, place: past, naming: { "\($0)" }, by: caller)
            }
        }
        let fitting = ImportBatchPlace(importId: "squeezed", firstLine: 2, lastLine: 3)
        #expect(try await fixture.registry.importEvents(events, place: fitting, naming: { "\($0)" }, by: caller).imported == 2)
    }
}
