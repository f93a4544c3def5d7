import GRDB
import QCreditDomain

extension RegistryReader {
    /// Files whose grade is due for recomputation on or before `date`, after `id` in id order.
    public func enterpriseIdsDueForRegrade(through date: CivilDate, after id: Int64, limit: Int) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT enterprise_id FROM regrade_due INDEXED BY regrade_due_by_date
                    WHERE due_on <= ? AND enterprise_id > ? ORDER BY enterprise_id LIMIT ?
                    """), arguments: [date.description, id, limit])
    }

    /// The day a file's grade is next due for recomputation, if any.
    public func regradeDue(enterpriseId: Int64) throws -> CivilDate? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT due_on FROM regrade_due WHERE enterprise_id = ?"), arguments: [enterpriseId]
        ).flatMap(CivilDate.init(iso:))
    }

    /// A value maintenance kept between runs.
    public func maintenanceValue(_ name: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM maintenance_state WHERE name = ?"), arguments: [name])
    }
}

extension RegistryWriter {
    /// Sets (or, with nil, clears) the day a file's grade is next due for recomputation.
    public func setRegradeDue(enterpriseId: Int64, on date: CivilDate?) throws {
        if let date {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO regrade_due (enterprise_id, due_on) VALUES (?, ?)")
                .execute(arguments: [enterpriseId, date.description])
        } else {
            try db.cachedStatement(sql: "DELETE FROM regrade_due WHERE enterprise_id = ?").execute(arguments: [enterpriseId])
        }
    }

    /// Sets (or, with nil, clears) the day each file's grade is next due, writing only the
    /// files whose day changes: a walk over every file (publishing, the regrade) mostly leaves
    /// it as it was, and one read of the files' range costs less than a write per file.
    public func setRegradeDue(_ dates: [(enterpriseId: Int64, date: CivilDate?)]) throws {
        guard let first = dates.lazy.map(\.enterpriseId).min(), let last = dates.lazy.map(\.enterpriseId).max() else { return }
        var current: [Int64: String] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT enterprise_id, due_on FROM regrade_due WHERE enterprise_id BETWEEN ? AND ?"),
            arguments: [first, last])
        while let row = try rows.next() { current[row[0]] = row[1] }
        for (id, date) in dates where current[id] != date?.description {
            try setRegradeDue(enterpriseId: id, on: date)
        }
    }

    /// Brings a file's recomputation forward to `date` if it was due later (or not at all).
    public func markRegradeDue(enterpriseId: Int64, by date: CivilDate) throws {
        var upsert = try BulkStatement(
            db,
            """
            INSERT INTO regrade_due (enterprise_id, due_on) VALUES (?, ?)
            ON CONFLICT (enterprise_id) DO UPDATE SET due_on = excluded.due_on WHERE excluded.due_on < due_on
            """)
        upsert.bind(enterpriseId)
        upsert.bind(date.description)
        try upsert.run()
    }

    /// Brings the recomputation of every file with a computed grade forward to `date` (a new
    /// grading policy came into force): one statement, however many files.
    public func markEveryGradedFileDue(by date: CivilDate) throws {
        try db.execute(
            sql: """
                INSERT INTO regrade_due (enterprise_id, due_on)
                SELECT DISTINCT enterprise_id, ?1 FROM grade_record WHERE basis = 'computed'
                ON CONFLICT (enterprise_id) DO UPDATE SET due_on = excluded.due_on WHERE excluded.due_on < due_on
                """, arguments: [date.description])
    }

    public func removeMaintenanceValue(_ name: String) throws {
        try db.cachedStatement(sql: "DELETE FROM maintenance_state WHERE name = ?").execute(arguments: [name])
    }

    public func setMaintenanceValue(_ name: String, _ value: String) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO maintenance_state (name, value) VALUES (?, ?)")
            .execute(arguments: [name, value])
    }
}
