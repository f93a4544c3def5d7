import GRDB
import QCreditDomain

extension RegistryReader {
    /// ``GradeInputs`` for every file whose id is in `ids`, read with four range queries instead
    /// of six per file: publishing walks the files in id order, a batch at a time. Files without
    /// a revision (none exist outside a broken database) are left out.
    public func gradeInputs(enterpriseIds ids: ClosedRange<Int64>, atOrBefore instant: Instant) throws -> [Int64: GradeInputs] {
        var codes: [Int64: [EnterpriseCodeEntry]] = [:]
        try forEachRow(
            """
            SELECT enterprise_id, code, kind, check_warning FROM enterprise_code
            WHERE enterprise_id BETWEEN ? AND ? AND derived_from_uscc IS NULL ORDER BY enterprise_id, kind DESC
            """, [ids.lowerBound, ids.upperBound]
        ) { row in
            let decoder = RowDecoder(row: row, table: "enterprise_code")
            codes[try decoder.int64(at: 0, "enterprise_id"), default: []].append(
                EnterpriseCodeEntry(
                    code: try decoder.string(at: 1, "code"), kind: try decoder.value(at: 2, "kind"),
                    checkWarning: decoder.optionalString(at: 3)))
        }
        var revisions: [Int64: [EnterpriseRevision]] = [:]
        try forEachRow(
            """
            SELECT enterprise_id, \(Self.revisionColumns) FROM enterprise_revision
            WHERE enterprise_id BETWEEN ? AND ? ORDER BY enterprise_id, id
            """, [ids.lowerBound, ids.upperBound]
        ) { row in
            revisions[try RowDecoder(row: row, table: "enterprise_revision").int64(at: 0, "enterprise_id"), default: []].append(
                try decodeRevision(row, from: 1))
        }
        var inputs: [Int64: GradeInputs] = [:]
        inputs.reserveCapacity(revisions.count)
        for (id, fileRevisions) in revisions {
            inputs[id] = GradeInputs(
                enterprise: Enterprise(id: id, codes: EnterpriseCodeEntry.completed(codes[id] ?? []), revisions: fileRevisions), events: [])
        }
        try forEachRow(
            """
            SELECT e.enterprise_id, \(Self.eventColumns) FROM quality_event e
            WHERE e.enterprise_id BETWEEN ? AND ? ORDER BY e.enterprise_id, e.id
            """, [ids.lowerBound, ids.upperBound]
        ) { row in
            let id = try RowDecoder(row: row, table: "quality_event").int64(at: 0, "enterprise_id")
            inputs[id]?.events.append(try decodeEvent(row))
        }
        // In (enterprise, basis, effective_at, id) order: the last row of each pair is its latest.
        // The latest computed grade is the newest there is, whatever `instant`, as
        // ``newestComputedGrade(enterpriseId:)`` reads it for one file.
        try forEachRow(
            """
            SELECT enterprise_id, \(Self.gradeColumns),
                CASE basis WHEN 'computed' THEN
                    (SELECT MIN(d.ends_on) FROM disclosure_end d WHERE d.publication_idx = grade_record.publication_idx)
                END AS ends_on
            FROM grade_record
            WHERE enterprise_id BETWEEN ? AND ? AND (basis = 'computed' OR effective_at <= ?)
            ORDER BY enterprise_id, basis, effective_at, id
            """, [ids.lowerBound, ids.upperBound, instant.secondsSinceEpoch]
        ) { row in
            let decoder = RowDecoder(row: row, table: "grade_record")
            let id = try decoder.int64(at: 0, "enterprise_id")
            let grade = try decodeGrade(row)
            switch grade.basis {
            case .computed:
                inputs[id]?.latestComputed = grade
                // Read as disclosureEnd(of:) reads it: a day past the calendar's range never comes.
                inputs[id]?.latestComputedDisclosureEnd = decoder.optionalString("ends_on").flatMap(CivilDate.init(iso:))
            case .override: inputs[id]?.latestOverride = grade
            }
        }
        return inputs
    }
}
