import CanonicalJSON
import QCreditCrypto
import QCreditDomain
import QCreditStore

/// Where a batch sits in a file import: the import's id and the batch's first and last line in
/// the file. The registry applies each (id, lines) once, and refuses the same place sent again
/// with other rows (`rowsDigest`, a digest of the rows as sent).
public struct ImportBatchPlace: Sendable, Hashable {
    public var importId: String
    public var firstLine: Int64
    public var lastLine: Int64
    public var rowsDigest: [UInt8]?

    public init(importId: String, firstLine: Int64, lastLine: Int64, rowsDigest: [UInt8]? = nil) {
        self.importId = importId
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.rowsDigest = rowsDigest
    }
}

/// A row of a batch the registry refused: its 0-based place in the batch, the error's name (as
/// the service names it, e.g. `InvalidCode`) and why.
public struct BatchRejection: Sendable, Hashable {
    public var row: Int
    public var error: String
    public var reason: String
}

/// What a batch call did.
public struct BatchOutcome: Sendable {
    /// Rows written (now, or when the batch was first applied).
    public var imported: Int
    public var rejections: [BatchRejection]
    /// The batch had already been applied under its import id: nothing was written now.
    public var alreadyApplied: Bool
}

extension Registry {
    /// Rows one batch call may carry.
    public static let maximumBatchRows = 10_000

    /// Opens many credit files in one transaction. Unlike ``register(_:by:)``, a refused row
    /// (bad code, code already on file) is reported and the others are registered; with `place`
    /// the batch is applied at most once (see ``ImportBatchPlace``).
    public func registerEnterprises(
        _ requests: [RegistrationRequest], place: ImportBatchPlace?, naming: @escaping @Sendable (RegistryError) -> String,
        by caller: Caller
    ) async throws -> BatchOutcome {
        let admitted = requests.map { request in Result { try Self.admit(request) } }
        return try await applyBatch(kind: "enterprises", parameter: "enterprises", count: requests.count, place: place, naming: naming, by: caller) {
            writer, row in _ = try Self.open(admitted[row].get(), writer: writer)
        }
    }

    /// Records many quality events in one transaction; a refused row is reported and the others
    /// recorded (``recordEvents(_:by:)`` is the all-or-nothing form).
    public func importEvents(
        _ inputs: [EventInput], place: ImportBatchPlace?, naming: @escaping @Sendable (RegistryError) -> String, by caller: Caller
    ) async throws -> BatchOutcome {
        let today = self.today
        let details = inputs.map { input in Result { () throws(RegistryError) in try input.details(today: today) } }
        return try await applyBatch(kind: "events", parameter: "events", count: inputs.count, place: place, naming: naming, by: caller) {
            writer, row in
            _ = try Self.insert(details[row].get(), code: inputs[row].code, today: today, writer: writer)
        }
    }

    /// Applies `apply` to each row in one write transaction, collecting the rows it refuses
    /// (each refuses before writing anything), and records the batch under its import id.
    private func applyBatch(
        kind: String, parameter: String, count: Int, place: ImportBatchPlace?, naming: @escaping @Sendable (RegistryError) -> String,
        by caller: Caller, _ apply: @escaping @Sendable (RegistryWriter, Int) throws -> Void
    ) async throws -> BatchOutcome {
        guard count > 0 else { throw RegistryError.invalidArgument(parameter: parameter, reason: "is empty") }
        guard count <= Self.maximumBatchRows else {
            throw RegistryError.invalidArgument(
                parameter: parameter, reason: "holds \(count) rows; send at most \(Self.maximumBatchRows) per call")
        }
        if let place {
            try Self.check(place, rows: count)
            // A batch sent again changes nothing, its audit trail included (an entry would read as a
            // second import of its rows); one applied meanwhile by another caller is found below.
            if let applied = try await database.read({ try Self.appliedBefore(place, kind: kind, reader: $0) }) { return applied }
        }
        return try await write(by: Self.audited(caller, place: place, parameter: parameter, count: count)) { writer in
            if let place, let applied = try Self.appliedBefore(place, kind: kind, reader: writer.reader) { return applied }
            var rejections: [BatchRejection] = []
            // Rows are new files, codes, revisions and events: plain inserts, which the schema's
            // guards have nothing to refuse in and would slow by a quarter.
            try writer.insertingWithoutGuards {
                for row in 0..<count {
                    do {
                        try apply(writer, row)
                    } catch let error as RegistryError {
                        rejections.append(BatchRejection(row: row, error: naming(error), reason: error.reason))
                    }
                }
            }
            let imported = count - rejections.count
            if let place {
                let stored: JSONValue = .array(
                    rejections.map { ["row": .int(Int64($0.row)), "error": .string($0.error), "reason": .string($0.reason)] })
                try writer.recordImportBatch(
                    importId: place.importId,
                    AppliedImportBatch(
                        kind: kind, firstLine: place.firstLine, lastLine: place.lastLine, imported: Int64(imported),
                        rejections: stored.jsonText, rowsDigest: place.rowsDigest))
            }
            return BatchOutcome(imported: imported, rejections: rejections, alreadyApplied: false)
        }
    }

    /// The caller as the audit trail records a batch: its place in the import, how many rows
    /// and their digest, not the rows. They are in the registry's tables, each with this audit
    /// entry's id; a batch of 5,000 rows would otherwise be stored twice (and encoded again on
    /// the writer, a tenth of an import's CPU).
    private static func audited(_ caller: Caller, place: ImportBatchPlace?, parameter: String, count: Int) -> Caller {
        var audited = caller
        var parameters: [String: JSONValue] = [parameter: .int(Int64(count))]
        if let place {
            parameters["importId"] = .string(place.importId)
            parameters["firstLine"] = .int(place.firstLine)
            parameters["lastLine"] = .int(place.lastLine)
            if let digest = place.rowsDigest { parameters["rowsSHA256"] = .string(Hex.encode(digest)) }
        }
        audited.parameters = .object(parameters)
        return audited
    }

    private static func check(_ place: ImportBatchPlace, rows: Int) throws(RegistryError) {
        _ = try TextField.importId(place.importId)
        guard place.firstLine >= 1, place.lastLine >= place.firstLine else {
            throw .invalidArgument(
                parameter: "firstLine", reason: "lines \(place.firstLine)–\(place.lastLine) are not a range of lines from 1")
        }
        // The line numbers are kept and answered as JSON numbers, exact only to 2^53 − 1.
        guard place.lastLine <= JSONValue.largestExactInteger else {
            throw .invalidArgument(parameter: "lastLine", reason: "line \(place.lastLine) is beyond 2^53−1, past the end of any file")
        }
        // Each row takes at least one line of its file: a batch that claims fewer lines than
        // rows would make the resume's bookkeeping (which lines were applied) a fiction.
        guard Int64(rows) <= place.lastLine - place.firstLine + 1 else {
            throw .invalidArgument(
                parameter: "lastLine",
                reason: "lines \(place.firstLine)–\(place.lastLine) cannot hold \(rows) rows (each row takes at least one line)")
        }
    }

    /// The outcome recorded when this batch was applied before, or nil when it was not; refuses
    /// a batch that overlaps applied ones with other bounds, or an import id used for the other
    /// kind of rows.
    private static func appliedBefore(_ place: ImportBatchPlace, kind: String, reader: RegistryReader) throws -> BatchOutcome? {
        if let used = try reader.importKind(importId: place.importId), used != kind {
            throw RegistryError.invalidArgument(
                parameter: "importId", reason: "import \(place.importId) brought \(used), not \(kind); use another import id")
        }
        let overlapping = try reader.importBatches(importId: place.importId, overlapping: place.firstLine, place.lastLine)
        guard let first = overlapping.first else { return nil }
        guard overlapping.count == 1, first.firstLine == place.firstLine, first.lastLine == place.lastLine else {
            throw RegistryError.invalidArgument(
                parameter: "firstLine",
                reason: "lines \(place.firstLine)–\(place.lastLine) overlap lines \(first.firstLine)–\(first.lastLine) "
                    + "applied before under import \(place.importId) in another batch; resume with the same batch size and the same "
                    + "file (a changed file is imported under a new import id)")
        }
        if let applied = first.rowsDigest, let sent = place.rowsDigest, applied != sent {
            throw RegistryError.invalidArgument(
                parameter: "importId",
                reason: "lines \(place.firstLine)–\(place.lastLine) of import \(place.importId) were applied before with other rows; "
                    + "an import id is for one file: import a changed or another file under a new import id")
        }
        let stored = (try? JSONValue.parse(first.rejections))?.arrayValue ?? []
        let rejections = stored.map { value in
            BatchRejection(
                row: Int(value["row"]?.intValue ?? 0), error: value["error"]?.stringValue ?? "",
                reason: value["reason"]?.stringValue ?? "")
        }
        return BatchOutcome(imported: Int(first.imported), rejections: rejections, alreadyApplied: true)
    }
}
