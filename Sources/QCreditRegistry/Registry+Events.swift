import Foundation
import QCreditDomain
import QCreditStore

/// A quality event as a caller submits it (``NewEvent``, shared with the service and the
/// client), checked by ``Registry``.
public typealias EventInput = NewEvent

extension NewEvent {
    /// The checked details; errors name the parameter.
    func details(today: CivilDate) throws(RegistryError) -> QualityEventDetails {
        let occurredOn = try TextField.date(occurredOn, "occurredOn")
        guard occurredOn <= today else {
            throw .invalidArgument(parameter: "occurredOn", reason: "\(occurredOn) is in the future (today is \(today))")
        }
        let evidence = try TextField.optional(evidenceUrl, "evidenceUrl", maxLength: 2000)
        if let evidence {
            // A link a reader can follow: the scheme, a host, and nothing a URL cannot hold (spaces).
            guard let url = URL(string: evidence), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                let host = url.host, !host.isEmpty
            else {
                throw .invalidArgument(parameter: "evidenceUrl", reason: "must be an http or https URL with a host, without spaces")
            }
        }
        return QualityEventDetails(
            dimension: try TextField.choice(dimension, "dimension"), kind: try TextField.choice(kind, "kind"),
            severity: try TextField.choice(severity, "severity"), occurredOn: occurredOn,
            authority: try TextField.authority(authority),
            documentNumber: try TextField.documentNumber(documentNumber),
            legalBasis: try TextField.optional(legalBasis, "legalBasis"),
            summary: try TextField.required(summary, "summary", maxLength: 4000), evidenceURL: evidence)
    }
}

extension Registry {
    /// Records one quality event in a credit file and returns its id.
    public func recordEvent(_ input: EventInput, by caller: Caller) async throws -> Int64 {
        try await recordEvents([input], by: caller, parameterPrefix: nil)[0]
    }

    /// Records events for any number of files atomically: all of them or, if any is refused,
    /// none. Errors name the event, e.g. `events[3].occurredOn`.
    public func recordEvents(_ inputs: [EventInput], by caller: Caller) async throws -> [Int64] {
        try await recordEvents(inputs, by: caller, parameterPrefix: "events")
    }

    private func recordEvents(_ inputs: [EventInput], by caller: Caller, parameterPrefix: String?) async throws -> [Int64] {
        guard !inputs.isEmpty else { throw RegistryError.invalidArgument(parameter: "events", reason: "is empty") }
        let today = self.today
        let details = try inputs.enumerated().map { index, input in
            try Self.locating(parameterPrefix, index) { try input.details(today: today) }
        }
        return try await write(by: caller) { writer in
            try writer.insertingWithoutGuards {
                try inputs.enumerated().map { index, input in
                    try Self.locating(parameterPrefix, index) {
                        try Self.insert(details[index], code: input.code, today: today, writer: writer)
                    }
                }
            }
        }
    }

    /// Records checked details in the file `code` names and marks its grade due today: the one
    /// way a new event enters the store (`RecordEvents`, `ImportEvents`), so that the next
    /// regrade tick recomputes the grade it may move.
    static func insert(_ details: QualityEventDetails, code: String, today: CivilDate, writer: RegistryWriter) throws -> Int64 {
        let enterpriseId = try writer.reader.enterpriseId(forCode: code)
        try writer.markRegradeDue(enterpriseId: enterpriseId, by: today)
        return try writer.insertEvent(enterpriseId: enterpriseId, details: details)
    }

    /// Runs `body`, placing a registry error's parameter under `prefix[index]` for batches.
    private static func locating<T>(_ prefix: String?, _ index: Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RegistryError {
            throw prefix.map { error.within("\($0)[\(index)]") } ?? error
        }
    }

    /// Corrects a recorded event: the correction is a new event that supersedes the old one
    /// and says why; with no new details it retracts the event. The old event stays on file.
    public func correctEvent(eventId: Int64, replacement: EventInput?, reason: String, by caller: Caller) async throws -> Int64 {
        let reason = try TextField.required(reason, "reason")
        let details: QualityEventDetails?
        do {
            details = try replacement?.details(today: today)
        } catch {
            throw error.within("event")
        }
        return try await write(by: caller) { writer in
            guard let (enterpriseId, event) = try writer.reader.event(id: eventId) else {
                throw RegistryError.eventNotFound(eventId: eventId)
            }
            if let supersededBy = event.supersededBy {
                // A retraction is final: pointing at it would only be refused in turn.
                let retracted = try writer.reader.event(id: supersededBy)?.event.isRetraction ?? false
                throw RegistryError.invalidArgument(
                    parameter: "eventId",
                    reason: retracted
                        ? "event \(eventId) was retracted (event \(supersededBy)), which is final; record the event anew"
                        : "event \(eventId) was already corrected by event \(supersededBy); correct that one")
            }
            // A retraction stands for no event: correcting it would neither restore the retracted
            // one nor mean anything else.
            if event.isRetraction, let retracted = event.supersedes {
                throw RegistryError.invalidArgument(
                    parameter: "eventId",
                    reason: "event \(eventId) is the retraction of event \(retracted) and cannot be corrected; record the event anew")
            }
            if let replacement, try writer.reader.enterpriseId(forCode: replacement.code) != enterpriseId {
                throw RegistryError.invalidArgument(parameter: "event.code", reason: "a correction must stay in the same credit file")
            }
            let today = writer.now.civilDate(in: self.utcOffset)
            try writer.markRegradeDue(enterpriseId: enterpriseId, by: today)
            let correction = try writer.insertEvent(
                enterpriseId: enterpriseId, details: details ?? event.details, supersedes: eventId,
                isRetraction: details == nil, correctionReason: reason)
            try self.withdrawGrades(citing: eventId, enterpriseId: enterpriseId, writer: writer)
            return correction
        }
    }

    /// An event was retracted or corrected: the public no longer sees it, so no grade record
    /// that names it stays disclosed, and the file's grade is published again without it in
    /// the same transaction (unless an override is in force), so that a bank never finds the
    /// file without a grade in between.
    private func withdrawGrades(citing eventId: Int64, enterpriseId: Int64, writer: RegistryWriter) throws {
        let citing = try writer.reader.grades(enterpriseId: enterpriseId).filter { record in
            record.basis == .computed && GradeComputation.citedEventIds(record.explanation).contains(eventId)
        }
        guard !citing.isEmpty else { return }  // the regrade that the correction made due does the rest
        for record in citing { try writer.endDisclosure(of: record.publicationIndex, on: .earliest, reason: .eventWithdrawn) }
        var summary = PublishSummary()
        // A grade that cannot be published refuses the correction: the grade in force would
        // name the withdrawn event (audit: the retraction was answered, the grade not published).
        try publishGrade(enterpriseId: enterpriseId, writer: writer, summary: &summary, evenIfInactive: true, throwingFailures: true)
    }
}
