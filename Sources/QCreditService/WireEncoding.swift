import CanonicalJSON
import QCreditDomain
import QCreditCrypto
import QCreditRegistry
import TransparencyLog

/// Domain values as the interface files describe them. One function per interface type, so
/// the reply shapes live in one place; tests check every reply against the `.varlink` files.
enum WireEncoding {
    static func enterprise(_ enterprise: Enterprise) -> JSONValue {
        let current = enterprise.current
        return [
            "uscc": JSONValue(enterprise.uscc), "orgCode": JSONValue(enterprise.orgCode), "name": .string(enterprise.name),
            "formerNames": .array(enterprise.formerNames.map(JSONValue.string)),
            "divisionCode": JSONValue(current.divisionCode), "entityType": JSONValue(current.entityType),
            "status": .string(current.status.rawValue), "flags": .array(enterprise.flags.map(JSONValue.string)),
        ]
    }

    static func match(_ match: EnterpriseMatch) -> JSONValue {
        [
            "uscc": JSONValue(match.enterprise.uscc), "orgCode": JSONValue(match.enterprise.orgCode),
            "name": .string(match.enterprise.name), "matchedName": .string(match.matchedName),
            "formerName": .bool(match.isFormerName), "match": .string(match.match.tier.label),
            "grade": JSONValue(match.grade), "listed": .array(match.listed.map(JSONValue.string)),
        ]
    }

    static func grade(_ view: GradeView) -> JSONValue {
        let inForce = view.inForce
        let record = inForce.record
        let binding = Set(inForce.bindingCaps.map(\.listingId))
        let contributions = record?.explanation["contributions"]?.arrayValue ?? []
        return [
            "enterprise": enterprise(view.enterprise), "grade": JSONValue(inForce.grade),
            "basis": .string(inForce.basis.rawValue), "at": .string(view.at.rfc3339),
            "publishedGrade": JSONValue(record?.grade), "score": JSONValue(record?.score),
            "policyVersion": JSONValue(record?.policyVersion), "effectiveAt": JSONValue(record?.effectiveAt.rfc3339),
            "overrideReason": JSONValue(record?.basis == .override ? record?.reason : nil),
            "documentNumber": JSONValue(record?.basis == .override ? record?.documentNumber : nil),
            "until": JSONValue(record?.until?.description),
            "contributions": .array(contributions),
            // What the score alone gives, and the event caps that lowered it to the published grade.
            "scoreGrade": JSONValue(record?.explanation["scoreGrade"]?.stringValue),
            "eventCaps": .array(record?.explanation["caps"]?.arrayValue ?? []),
            "caps": .array(
                inForce.caps.map {
                    [
                        "listingId": .int($0.listingId), "listType": .string($0.listType),
                        "maximumGrade": .string($0.maximumGrade), "binding": .bool(binding.contains($0.listingId)),
                        "logIndex": JSONValue($0.publicationIndex),
                    ]
                }),
            "listed": .array(view.listTypes.map(JSONValue.string)),
            "logIndex": JSONValue(inForce.publicationIndex),
        ]
    }

    static func listing(_ listing: Listing, enterprise: Enterprise) -> JSONValue {
        let decision = listing.decision
        return [
            "id": .int(listing.id), "uscc": JSONValue(enterprise.uscc), "orgCode": JSONValue(enterprise.orgCode),
            "nameAtDecision": .string(listing.nameAtDecision), "listType": .string(listing.listType),
            "state": .string(listing.state.rawValue), "reason": .string(decision.reason),
            "legalBasis": .string(decision.legalBasis), "authority": .string(decision.authority),
            "documentNumber": .string(decision.documentNumber), "decisionDate": .string(decision.decisionDate.description),
            "publicationDate": JSONValue(listing.publicationDate?.description),
            "plannedEndDate": JSONValue(listing.plannedEndDate?.description),
            "removalDate": JSONValue(listing.removedStep?.date.description),
            "removalReason": JSONValue(listing.removedStep?.removalReason?.rawValue),
            "escalatedFrom": JSONValue(listing.escalatedFrom), "logIndex": JSONValue(listing.listedStep?.publicationIndex),
            "steps": .array(listing.steps.map(step)),
        ]
    }

    static func step(_ step: ListingStep) -> JSONValue {
        [
            "id": .int(step.id), "step": .string(step.kind.rawValue), "state": .string(step.stateAfter.rawValue),
            "date": .string(step.date.description), "authority": JSONValue(step.authority),
            "documentNumber": JSONValue(step.documentNumber), "reason": JSONValue(step.reason),
            "summary": JSONValue(step.summary), "outcome": JSONValue(step.outcome?.rawValue),
            "removalReason": JSONValue(step.removalReason?.rawValue),
            "plannedEndDate": JSONValue(step.plannedEndDate?.description), "objectionId": JSONValue(step.objectionId),
            "logIndex": JSONValue(step.publicationIndex), "recordedAt": .string(step.recordedAt.rfc3339),
        ]
    }

    static func event(_ event: QualityEvent) -> JSONValue {
        let details = event.details
        return [
            "id": .int(event.id), "dimension": .string(details.dimension.rawValue), "kind": .string(details.kind.rawValue),
            "severity": .string(details.severity.rawValue), "occurredOn": .string(details.occurredOn.description),
            "authority": .string(details.authority), "documentNumber": .string(details.documentNumber),
            "legalBasis": JSONValue(details.legalBasis), "summary": .string(details.summary),
            "evidenceUrl": JSONValue(details.evidenceURL), "recordedAt": .string(event.recordedAt.rfc3339),
            "supersedes": JSONValue(event.supersedes), "correctionReason": JSONValue(event.correctionReason),
            "retraction": .bool(event.isRetraction), "supersededBy": JSONValue(event.supersededBy),
        ]
    }

    static func gradeRecord(_ record: GradeRecord) -> JSONValue {
        [
            "id": .int(record.id), "basis": .string(record.basis.rawValue), "grade": .string(record.grade),
            "score": JSONValue(record.score), "policyVersion": .string(record.policyVersion),
            "effectiveAt": .string(record.effectiveAt.rfc3339), "until": JSONValue(record.until?.description),
            "reason": JSONValue(record.reason), "documentNumber": JSONValue(record.documentNumber),
            "logIndex": .int(record.publicationIndex),
        ]
    }

    static func repairApplication(_ application: RepairApplication, today: CivilDate) -> JSONValue {
        let outcome = application.outcome
        return [
            "id": .int(application.id), "listingId": .int(application.listingId),
            "appliedOn": .string(application.appliedOn.description),
            "commitmentLetterSha256": .string(application.commitmentLetterSHA256),
            "penaltyFulfilment": .string(application.penaltyFulfilment), "applicantContact": .string(application.applicantContact),
            "decideBy": .string(application.decideBy.description),
            "status": .string(outcome.map { $0.decision == .approve ? "approved" : "rejected" } ?? (application.isMoot ? "moot" : "pending")),
            "overdue": .bool(application.isOverdue(on: today)),
            "decision": outcome.map {
                [
                    "decision": .string($0.decision.rawValue), "reason": .string($0.reason),
                    "documentNumber": .string($0.documentNumber), "decidedOn": .string($0.decidedOn.description),
                    "removalStepId": JSONValue($0.removalStepId),
                ]
            } ?? .null,
        ]
    }

    /// A leaf's opening: its salt, and the record (whose RFC 8785 bytes are what was committed to).
    static func opening(_ opening: RecordOpening) -> JSONValue {
        ["salt": .string(Base64.encode(opening.salt)), "record": (try? JSONValue.parse(opening.record)) ?? .null]
    }

    static func creditFile(_ file: CreditFile, view: RecordView) -> JSONValue {
        [
            "enterprise": enterprise(file.enterprise), "events": .array(file.events.map(event)),
            "grades": .array(file.grades.map(gradeRecord)),
            "listings": .array(file.listings.map { listing($0, enterprise: file.enterprise) }),
            "view": .string(view == .full ? "full" : "public"),
        ]
    }
}
