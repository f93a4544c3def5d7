import CanonicalJSON
import QCreditCrypto

/// Who a publication is about, as named on the day of the decision.
public struct PublicationSubject: Sendable, Hashable {
    public var uscc: String?
    public var orgCode: String?
    public var name: String

    public init(uscc: String?, orgCode: String?, name: String) {
        self.uscc = uscc
        self.orgCode = orgCode
        self.name = name
    }

    var json: JSONValue { ["uscc": JSONValue(uscc), "orgCode": JSONValue(orgCode), "name": .string(name)] }

    /// `json`'s canonical bytes.
    func appendCanonical(to output: inout [UInt8]) {
        var object = CanonicalObjectWriter(into: &output)
        object.member("name", string: name, into: &output)
        object.member("orgCode", string: orgCode, into: &output)
        object.member("uscc", string: uscc, into: &output)
        object.end(into: &output)
    }
}

/// One public decision as it enters the log: a JSON object whose RFC 8785 canonical bytes are
/// the log leaf, exactly as stored. Records are built only here, so their shape is defined in
/// one place (and documented in the README's protocol section).
///
/// ```swift
/// let record = PublicationRecord.grade(record, subject: enterprise.subject, publishedAt: now)
/// let leaf = try record.canonicalBytes()   // ≤ 65,535 bytes
/// ```
public struct PublicationRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case listing
        case removal
        case grade
        case override
        case policy
    }

    /// The most a record may take, so a log entry's length fits the two bytes that C2SP
    /// tlog tiles give it.
    public static let maximumSize = 65_535
    /// Bumped if the record shape ever changes incompatibly.
    public static let formatVersion: Int64 = 1

    public var kind: Kind
    public var enterpriseId: Int64?
    public var body: JSONValue

    public init(kind: Kind, enterpriseId: Int64?, body: JSONValue) {
        self.kind = kind
        self.enterpriseId = enterpriseId
        self.body = body
    }

    /// The record's leaf bytes, refused when over ``maximumSize``.
    public func canonicalBytes() throws(RegistryError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try body.canonicalBytes()
        } catch {
            throw .invalidArgument(parameter: "record", reason: error.reason)
        }
        guard bytes.count <= Self.maximumSize else {
            throw .recordTooLarge(size: bytes.count, limit: Self.maximumSize)
        }
        return bytes
    }

    private static func make(
        _ kind: Kind, enterpriseId: Int64?, subject: PublicationSubject?, publishedAt: Instant,
        _ fields: [String: JSONValue]
    ) -> PublicationRecord {
        var body = fields
        body["type"] = .string(kind.rawValue)
        body["format"] = .int(formatVersion)
        body["publishedAt"] = .string(publishedAt.rfc3339)
        if let subject { body["subject"] = subject.json }
        return PublicationRecord(kind: kind, enterpriseId: enterpriseId, body: .object(body))
    }

    static func listingJSON(_ listing: Listing) -> JSONValue {
        let decision = listing.decision
        return [
            "id": .int(listing.id), "listType": .string(decision.listType), "reason": .string(decision.reason),
            "nameAtDecision": .string(listing.nameAtDecision),
            "legalBasis": .string(decision.legalBasis), "authority": .string(decision.authority),
            "documentNumber": .string(decision.documentNumber),
            "decisionDate": .string(decision.decisionDate.description),
        ]
    }

    /// A listing published on its list (the `listed` step).
    public static func listing(
        _ listing: Listing, published step: ListingStepDraft, subject: PublicationSubject, publishedAt: Instant
    ) -> PublicationRecord {
        var details = listingJSON(listing).objectValue!
        details["publicationDate"] = .string(step.date.description)
        details["plannedEndDate"] = JSONValue(step.plannedEndDate?.description)
        details["publishedBy"] = JSONValue(step.authority)
        details["publicationDocumentNumber"] = JSONValue(step.documentNumber)
        return make(
            .listing, enterpriseId: listing.enterpriseId, subject: subject, publishedAt: publishedAt,
            ["listing": .object(details)])
    }

    /// A listing taken off its list (the `removed` step).
    public static func removal(
        _ listing: Listing, removed step: ListingStepDraft, subject: PublicationSubject, publishedAt: Instant
    ) -> PublicationRecord {
        let removal: JSONValue = [
            "date": .string(step.date.description), "reason": JSONValue(step.removalReason?.rawValue),
            "authority": JSONValue(step.authority), "documentNumber": JSONValue(step.documentNumber),
            "explanation": JSONValue(step.reason),
        ]
        return make(
            .removal, enterpriseId: listing.enterpriseId, subject: subject, publishedAt: publishedAt,
            ["listing": listingJSON(listing), "removal": removal])
    }

    /// A grade computed by the policy and published, with its whole explanation.
    ///
    /// A file with hundreds of events in force would make that explanation larger than a record
    /// may be, and a grade must still be published. Then `contributions` gives way to
    /// `contributionsSummary`: how many events contributed, their total, the SHA-256 of the whole
    /// explanation's canonical bytes (which `GetGrade` serves, so anyone can check it against the
    /// record) and each event's id and value — or, if even that is too large, only the count,
    /// the total and the digest. Past that, a thousand event caps binding at once (every grave
    /// event of the window caps the grade) can still fill a record (audit: such a file was never
    /// graded again): `caps` gives way to `capsSummary`, their count, the grade they bind at and
    /// each cap's event id, or only the count and grade.
    public static func grade(
        _ computation: GradeComputation, enterpriseId: Int64, subject: PublicationSubject, publishedAt: Instant
    ) -> PublicationRecord {
        let explanation = computation.json
        func record(_ grade: JSONValue) -> PublicationRecord {
            make(.grade, enterpriseId: enterpriseId, subject: subject, publishedAt: publishedAt, ["grade": grade])
        }
        // A contribution takes about 200 bytes, a cap 60; only long lists come near the limit.
        let full = record(explanation)
        guard computation.contributions.count + computation.caps.count >= summaryThreshold, !full.fits else { return full }
        let contributions: [String: JSONValue] = [
            "count": .int(Int64(computation.contributions.count)),
            "total": .int(Int64(computation.contributions.reduce(0) { $0 + $1.value })),
            "explanationSHA256": .string(Base64.encode(Digest.sha256((try? explanation.canonicalBytes()) ?? explanation.encoded()))),
        ]
        let caps: [String: JSONValue] = ["count": .int(Int64(computation.caps.count)), "maximumGrade": .string(computation.grade)]
        // Each step gives up more detail than the one before; the first that fits is published.
        let steps: [(inout [String: JSONValue]) -> Void] = [
            { explanation in
                explanation["contributions"] = nil
                explanation["contributionsSummary"] = .object(
                    contributions.merging(["values": .array(computation.contributions.map { [.int($0.eventId), .int(Int64($0.value))] })]) { $1 })
            },
            { explanation in explanation["contributionsSummary"] = .object(contributions) },
            { explanation in
                explanation["caps"] = nil
                explanation["capsSummary"] = .object(caps.merging(["eventIds": .array(computation.caps.map { .int($0.eventId) })]) { $1 })
            },
            { explanation in explanation["capsSummary"] = .object(caps) },
        ]
        var summarised = explanation.objectValue ?? [:]
        var candidate = full
        for step in steps where !candidate.fits {
            step(&summarised)
            candidate = record(.object(summarised))
        }
        return candidate
    }

    /// A grade's record and explanation as ``grade(_:enterpriseId:subject:publishedAt:)`` and
    /// `computation.json` give them, in canonical bytes, without building either value: the
    /// explanation is written once and spliced into the record (publishing calls this once per
    /// file). A long explanation, which may need summarising, takes the general path.
    ///
    /// - Throws: what ``canonicalBytes()`` throws for the same record.
    public static func gradeBytes(
        _ computation: GradeComputation, enterpriseId: Int64, subject: PublicationSubject, publishedAt: Instant
    ) throws(RegistryError) -> (record: [UInt8], explanation: [UInt8]) {
        let bytes: (record: [UInt8], explanation: [UInt8])
        do {
            let explanation = try computation.canonicalBytes()
            let record =
                computation.contributions.count + computation.caps.count < summaryThreshold
                ? try splicedGradeRecord(explanation, subject: subject, publishedAt: publishedAt)
                : try grade(computation, enterpriseId: enterpriseId, subject: subject, publishedAt: publishedAt).body
                    .canonicalBytes()
            bytes = (record, explanation)
        } catch {
            throw .invalidArgument(parameter: "record", reason: error.reason)
        }
        guard bytes.record.count <= maximumSize else { throw .recordTooLarge(size: bytes.record.count, limit: maximumSize) }
        return bytes
    }

    /// `make(.grade, …, ["grade": explanation])`'s canonical bytes around the explanation's.
    private static func splicedGradeRecord(_ explanation: [UInt8], subject: PublicationSubject, publishedAt: Instant)
        throws(CanonicalJSONError) -> [UInt8]
    {
        var record: [UInt8] = []
        record.reserveCapacity(explanation.count + 160)
        var object = CanonicalObjectWriter(into: &record)
        try object.member("format", integer: formatVersion, into: &record)
        object.member("grade", into: &record)
        record.append(contentsOf: explanation)
        object.member("publishedAt", string: publishedAt.rfc3339, into: &record)
        object.member("subject", into: &record)
        subject.appendCanonical(to: &record)
        object.member("type", string: Kind.grade.rawValue, into: &record)
        object.end(into: &record)
        return record
    }

    /// Contributions and caps together below which a grade record cannot come near ``maximumSize``.
    static let summaryThreshold = 200

    private var fits: Bool { (try? canonicalBytes()) != nil }

    /// A regulator's override of the computed grade.
    public static func override(
        grade: String, previousGrade: String?, reason: String, documentNumber: String, until: CivilDate?,
        policyVersion: String, enterpriseId: Int64, subject: PublicationSubject, publishedAt: Instant
    ) -> PublicationRecord {
        let details: JSONValue = [
            "grade": .string(grade), "previousGrade": JSONValue(previousGrade), "reason": .string(reason),
            "documentNumber": .string(documentNumber), "until": JSONValue(until?.description),
            "policyVersion": .string(policyVersion),
        ]
        return make(.override, enterpriseId: enterpriseId, subject: subject, publishedAt: publishedAt, ["override": details])
    }

    /// A grading policy put into force: grades cite its version, and this record lets anyone
    /// recompute them.
    public static func policy(_ policy: Policy, publishedAt: Instant) -> PublicationRecord {
        make(.policy, enterpriseId: nil, subject: nil, publishedAt: publishedAt, ["policy": policy.json])
    }
}
