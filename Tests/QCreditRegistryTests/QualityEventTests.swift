import QCreditDomain
import QCreditRegistry
import Testing

@Suite struct QualityEventTests {
    @Test func eventsAreRecordedInTheFile() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let id = try await fixture.registry.recordEvent(fixture.event(RegistryFixture.usccA), by: RegistryFixture.regulator)
        let file = try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .full)
        #expect(file.events.map(\.id) == [id])
        #expect(file.events[0].details.kind == .penalty)
        #expect(file.events[0].details.documentNumber == "豫市监罚〔2026〕12号")
    }

    @Test func aBatchIsAtomicAndItsErrorsNameTheEvent() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        try await fixture.register(RegistryFixture.usccB)
        var bad = fixture.event(RegistryFixture.usccB)
        bad.occurredOn = "2026-02-30"
        await #expect(
            throws: RegistryError.invalidArgument(
                parameter: "events[1].occurredOn", reason: "'2026-02-30' is not a day of the calendar: 2026-02 has 28 days, not 30")
        ) {
            try await fixture.registry.recordEvents([fixture.event(RegistryFixture.usccA), bad], by: RegistryFixture.regulator)
        }
        // An unknown file in the middle of a batch also stops the whole batch.
        await #expect(throws: RegistryError.notFound(code: RegistryFixture.usccC)) {
            try await fixture.registry.recordEvents(
                [fixture.event(RegistryFixture.usccA), fixture.event(RegistryFixture.usccC)], by: RegistryFixture.regulator)
        }
        #expect(try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .full).events.isEmpty)
        let ids = try await fixture.registry.recordEvents(
            [fixture.event(RegistryFixture.usccA), fixture.event(RegistryFixture.usccB)], by: RegistryFixture.regulator)
        #expect(ids.count == 2)
    }

    @Test func eventsCannotHappenInTheFutureOrHaveUnknownKinds() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(RegistryFixture.usccA)
        await #expect(
            throws: RegistryError.invalidArgument(parameter: "occurredOn", reason: "2026-03-03 is in the future (today is 2026-03-02)")
        ) {
            try await fixture.registry.recordEvent(fixture.event(RegistryFixture.usccA, occurredOn: "2026-03-03"), by: RegistryFixture.regulator)
        }
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.recordEvent(fixture.event(RegistryFixture.usccA, kind: "bribery"), by: RegistryFixture.regulator)
        }
    }

    /// An authority and a document number are one line each (they sit in tables, CSV cells and
    /// log lines); an evidence link is a URL with a host. Nothing is recorded when refused.
    @Test func authoritiesAndDocumentNumbersAreOneLineAndEvidenceIsALink() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(RegistryFixture.usccA)
        var event = fixture.event(RegistryFixture.usccA)
        event.documentNumber = "豫市监罚\n〔2026〕12号"
        await #expect(throws: RegistryError.invalidArgument(parameter: "documentNumber", reason: "must be one line; it contains a line break (U+000A)")) {
            try await fixture.registry.recordEvent(event, by: RegistryFixture.regulator)
        }
        event = fixture.event(RegistryFixture.usccA)
        event.authority = "Henan AMR\n"
        await #expect(throws: RegistryError.invalidArgument(parameter: "authority", reason: "must be one line; it contains a line break (U+000A)")) {
            try await fixture.registry.recordEvent(event, by: RegistryFixture.regulator)
        }
        for link in ["https://", "https://a b", "ftp://example.org/x", "example.org"] {
            event = fixture.event(RegistryFixture.usccA)
            event.evidenceUrl = link
            await #expect(
                throws: RegistryError.invalidArgument(parameter: "evidenceUrl", reason: "must be an http or https URL with a host, without spaces"),
                "\(link)"
            ) {
                try await fixture.registry.recordEvent(event, by: RegistryFixture.regulator)
            }
        }
        #expect(try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .full).events.isEmpty)
        event = fixture.event(RegistryFixture.usccA)
        event.evidenceUrl = "https://www.samr.gov.cn/xw/2026/art_1.html"
        _ = try await fixture.registry.recordEvent(event, by: RegistryFixture.regulator)
    }

    @Test func aCorrectionSupersedesWithoutErasing() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let original = try await fixture.registry.recordEvent(
            fixture.event(RegistryFixture.usccA, severity: "high"), by: RegistryFixture.regulator)
        let correction = try await fixture.registry.correctEvent(
            eventId: original, replacement: fixture.event(RegistryFixture.usccA, severity: "low"),
            reason: "severity entered wrongly", by: RegistryFixture.regulator)
        let file = try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .full)
        #expect(file.events.count == 2)
        #expect(file.events[0].supersededBy == correction)
        #expect(file.events[1].supersedes == original)
        #expect(file.events[1].correctionReason == "severity entered wrongly")
        // The public view shows only what is in force.
        let publicFile = try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .public)
        #expect(publicFile.events.map(\.id) == [correction])
        // A corrected event cannot be corrected again: the correction is the one to correct.
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.correctEvent(eventId: original, replacement: nil, reason: "again", by: RegistryFixture.regulator)
        }
        // A retraction takes the event out of grading.
        let retraction = try await fixture.registry.correctEvent(
            eventId: correction, replacement: nil, reason: "recorded against the wrong firm", by: RegistryFixture.regulator)
        let computation = fixture.registry.policy.computeGrade(
            events: try await fixture.registry.creditFile(code: RegistryFixture.usccA, view: .full).events,
            asOf: fixture.registry.today)
        #expect(computation.contributions.isEmpty)
        // A retraction stands for no event: it cannot itself be corrected or retracted.
        for replacement in [nil, fixture.event(RegistryFixture.usccA)] {
            do {
                _ = try await fixture.registry.correctEvent(
                    eventId: retraction, replacement: replacement, reason: "undo", by: RegistryFixture.regulator)
                Issue.record("a retraction was corrected")
            } catch let RegistryError.invalidArgument(parameter, reason) {
                #expect(parameter == "eventId")
                #expect(reason.contains("is the retraction of event \(correction)"), "\(reason)")
            }
        }
        // Nor is the retracted event pointed at its retraction: that is final.
        await #expect(
            throws: RegistryError.invalidArgument(
                parameter: "eventId", reason: "event \(correction) was retracted (event \(retraction)), which is final; record the event anew")
        ) {
            try await fixture.registry.correctEvent(eventId: correction, replacement: nil, reason: "again", by: RegistryFixture.regulator)
        }
    }
}
