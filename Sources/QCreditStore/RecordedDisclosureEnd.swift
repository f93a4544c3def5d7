import GRDB
import QCreditDomain

/// An end of a record's public disclosure as the store holds it: the record's log index, the
/// first day it is no longer disclosed, when the end was recorded (Unix seconds) and by which
/// transaction (its audit entry: these count up in commit order, whatever the clock did).
public struct RecordedDisclosureEnd: Sendable, Hashable {
    public var index: Int64
    public var endsOn: CivilDate
    public var recordedAt: Int64
    public var auditId: Int64

    public init(index: Int64, endsOn: CivilDate, recordedAt: Int64, auditId: Int64) {
        self.index = index
        self.endsOn = endsOn
        self.recordedAt = recordedAt
        self.auditId = auditId
    }
}

extension RegistryReader {
    /// The disclosure ends in effect by `today` that a copy of the public record made on the day
    /// `asOf`, at `madeAt` (Unix seconds), may not have honoured: those that end after `asOf`
    /// (the copy still disclosed the record), and those recorded after `madeAt` or by a
    /// transaction after audit entry `auditId` (a repair or a revocation dated that day or
    /// earlier, decided after the copy was made, or in its second).
    ///
    /// Both are read by index: ends by their date range, and the newest recorded ends from the
    /// last one back, stopping at the first recorded before `madeAt`.
    public func disclosureEnds(
        after asOf: CivilDate, orRecordedAfter madeAt: Int64, orAfterAuditEntry auditId: Int64? = nil, through today: CivilDate
    ) throws -> Set<RecordedDisclosureEnd> {
        let select = """
            SELECT d.publication_idx, d.ends_on, a.at, a.id FROM disclosure_end d JOIN audit_entry a ON a.id = d.audit_id
            """
        var ends: Set<RecordedDisclosureEnd> = []
        func decode(_ row: Row) throws -> RecordedDisclosureEnd {
            let decoder = RowDecoder(row: row, table: "disclosure_end")
            return RecordedDisclosureEnd(index: row[0], endsOn: try decoder.date("ends_on"), recordedAt: row[2], auditId: row[3])
        }
        let byDate = try Row.fetchCursor(
            db.cachedStatement(sql: "\(select) WHERE d.ends_on > ? AND d.ends_on <= ?"), arguments: [asOf.description, today.description])
        while let row = try byDate.next() { ends.insert(try decode(row)) }
        let newestFirst = try Row.fetchCursor(db.cachedStatement(sql: "\(select) ORDER BY d.id DESC"))
        while let row = try newestFirst.next() {
            let end = try decode(row)
            // Newest first, ends come in commit order: past the last one recorded after `madeAt`
            // (by the clock) and after `auditId` (by the log), none is.
            guard end.recordedAt >= madeAt || end.auditId > (auditId ?? .max) else { break }
            if end.endsOn <= today { ends.insert(end) }
        }
        return ends
    }

    /// Every recorded end of the disclosure of each record in `indexes`, by record.
    public func disclosureEnds(of indexes: Set<Int64>) throws -> [Int64: [RecordedDisclosureEnd]] {
        var ends: [Int64: [RecordedDisclosureEnd]] = [:]
        let statement = try db.cachedStatement(
            sql: "SELECT d.ends_on, a.at, a.id FROM disclosure_end d JOIN audit_entry a ON a.id = d.audit_id WHERE d.publication_idx = ?")
        for index in indexes {
            let rows = try Row.fetchCursor(statement, arguments: [index])
            while let row = try rows.next() {
                let endsOn = try RowDecoder(row: row, table: "disclosure_end").date("ends_on")
                ends[index, default: []].append(RecordedDisclosureEnd(index: index, endsOn: endsOn, recordedAt: row[1], auditId: row[2]))
            }
        }
        return ends
    }

    /// The audit entry of the transaction that appended record `index` (nil for a negative
    /// index or one past the log): a tree of `index + 1` records was signed after every
    /// transaction up to that entry committed.
    public func auditIdOfRecord(at index: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT audit_id FROM publication WHERE idx = ?"), arguments: [index])
    }
}
