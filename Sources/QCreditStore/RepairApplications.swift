import GRDB
import QCreditDomain

extension RegistryWriter {
    /// Records a credit-repair application; returns its id.
    public func insertRepairApplication(
        listingId: Int64, appliedOn: CivilDate, commitmentLetterSHA256: String, penaltyFulfilment: String,
        applicantContact: String, decideBy: CivilDate
    ) throws -> Int64 {
        try reader.db.cachedStatement(
            sql: """
                INSERT INTO repair_application (listing_id, applied_on, commitment_letter_sha256, penalty_fulfilment,
                    applicant_contact, decide_by, recorded_at, audit_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            listingId, appliedOn.description, commitmentLetterSHA256, penaltyFulfilment, applicantContact,
            decideBy.description, now.secondsSinceEpoch, auditId,
        ])
        return reader.db.lastInsertedRowID
    }

    /// Records the decision on an application (once: the schema refuses a second).
    public func insertRepairDecision(
        applicationId: Int64, decision: RepairApplication.Decision, reason: String, documentNumber: String,
        decidedOn: CivilDate, removalStepId: Int64?
    ) throws {
        try reader.db.cachedStatement(
            sql: """
                INSERT INTO repair_decision (application_id, decision, reason, document_number, decided_on, removal_step_id,
                    recorded_at, audit_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            applicationId, decision.rawValue, reason, documentNumber, decidedOn.description, removalStepId,
            now.secondsSinceEpoch, auditId,
        ])
    }
}

extension RegistryReader {
    private static let applicationQuery = """
        SELECT a.id, a.listing_id, a.applied_on, a.commitment_letter_sha256, a.penalty_fulfilment, a.applicant_contact,
               a.decide_by, a.recorded_at, d.decision, d.reason, d.document_number, d.decided_on, d.removal_step_id,
               d.recorded_at AS decided_at
        FROM repair_application a LEFT JOIN repair_decision d ON d.application_id = a.id
        """

    public func repairApplication(id: Int64) throws -> RepairApplication? {
        try row("\(Self.applicationQuery) WHERE a.id = ?", [id]).map(decodeApplication)
    }

    /// The listing's applications, oldest first.
    public func repairApplications(listingId: Int64) throws -> [RepairApplication] {
        try rows("\(Self.applicationQuery) WHERE a.listing_id = ? ORDER BY a.id", [listingId]).map(decodeApplication)
    }

    /// The first application after id `id`, for walking every one.
    public func repairApplication(after id: Int64) throws -> RepairApplication? {
        try row("\(Self.applicationQuery) WHERE a.id > ? ORDER BY a.id LIMIT 1", [id]).map(decodeApplication)
    }

    /// Every application not yet decided, oldest first.
    public func pendingRepairApplications() throws -> [RepairApplication] {
        try rows("\(Self.applicationQuery) WHERE d.application_id IS NULL ORDER BY a.id").map(decodeApplication)
    }

    private func decodeApplication(_ row: Row) throws -> RepairApplication {
        let decoder = RowDecoder(row: row, table: "repair_application")
        var outcome: RepairApplication.Outcome?
        if let decision: String = row["decision"] {
            guard let decision = RepairApplication.Decision(rawValue: decision) else { throw decoder.corrupt("decision") }
            outcome = RepairApplication.Outcome(
                decision: decision, reason: try decoder.string("reason"), documentNumber: try decoder.string("document_number"),
                decidedOn: try decoder.date("decided_on"), removalStepId: decoder.optionalInt64("removal_step_id"),
                recordedAt: try decoder.instant("decided_at"))
        }
        return RepairApplication(
            id: try decoder.int64("id"), listingId: try decoder.int64("listing_id"), appliedOn: try decoder.date("applied_on"),
            commitmentLetterSHA256: try decoder.string("commitment_letter_sha256"),
            penaltyFulfilment: try decoder.string("penalty_fulfilment"), applicantContact: try decoder.string("applicant_contact"),
            decideBy: try decoder.date("decide_by"), recordedAt: try decoder.instant("recorded_at"), outcome: outcome)
    }
}
