import Foundation
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import Testing

/// A wall clock set back behind the newest write is told apart, from the writes made since
/// start and from the audit trail on opening (a daemon restarted on a set-back clock).
@Suite struct ClockCheckTests {
    @Test func aClockSetBackBehindTheNewestWriteIsToldApartUntilItPassesIt() async throws {
        let fixture = try await RegistryFixture()
        #expect(fixture.registry.clockBehindRecords() == nil)
        try await fixture.register(RegistryFixture.usccA)
        let written = fixture.clock.now()
        fixture.clock.advance(seconds: -3)
        #expect(fixture.registry.clockBehindRecords() == nil, "a few seconds (an NTP slew) are tolerated")

        fixture.clock.advance(days: -1)
        let behind = try #require(fixture.registry.clockBehindRecords())
        #expect(behind.newestWrite == written)
        #expect("\(behind)".contains("is 1d 0h behind the newest write recorded (\(written.rfc3339))"), "\(behind)")
        // Opened again on the set-back clock: the audit trail says how far the writes went.
        let reopened = try await Registry(
            database: fixture.database, policy: fixture.registry.policy, clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(reopened.clockBehindRecords()?.newestWrite == written)

        fixture.clock.advance(days: 2)
        #expect(fixture.registry.clockBehindRecords() == nil)
        #expect(reopened.clockBehindRecords() == nil)
    }
}
