/// An enterprise's legal status as the registration authority reports it.
public enum EnterpriseStatus: String, Sendable, Hashable, CaseIterable {
    /// 存续: operating.
    case active
    /// 注销: deregistered.
    case deregistered
    /// 吊销: business licence revoked.
    case licenceRevoked = "licence-revoked"
}

/// One code a credit file is known by. A USCC file holds its USCC and the organization code
/// embedded in it; a legacy file holds its organization code only.
public struct EnterpriseCodeEntry: Sendable, Hashable {
    public var code: String
    public var kind: CodeKind
    /// Set when the code was admitted on import with a wrong check character (some pilot
    /// codes were really issued so); shown on the file so nobody mistakes it for a typo.
    public var checkWarning: String?

    public init(code: String, kind: CodeKind, checkWarning: String? = nil) {
        self.code = code
        self.kind = kind
        self.checkWarning = checkWarning
    }
}

/// The enterprise's registered particulars as of one revision. A rename or a status change is
/// a new revision; earlier revisions stay (and give the former names).
public struct EnterpriseRevision: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var divisionCode: String?
    public var entityType: String?
    public var status: EnterpriseStatus
    public var effectiveOn: CivilDate?
    public var reason: String?
    public var documentNumber: String?
    public var recordedAt: Instant

    public init(
        id: Int64, name: String, divisionCode: String?, entityType: String?, status: EnterpriseStatus,
        effectiveOn: CivilDate?, reason: String?, documentNumber: String?, recordedAt: Instant
    ) {
        self.id = id
        self.name = name
        self.divisionCode = divisionCode
        self.entityType = entityType
        self.status = status
        self.effectiveOn = effectiveOn
        self.reason = reason
        self.documentNumber = documentNumber
        self.recordedAt = recordedAt
    }
}

/// An enterprise: its codes and the history of its particulars.
public struct Enterprise: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var codes: [EnterpriseCodeEntry]
    /// Oldest first; never empty.
    public var revisions: [EnterpriseRevision]

    public init(id: Int64, codes: [EnterpriseCodeEntry], revisions: [EnterpriseRevision]) {
        self.id = id
        self.codes = codes
        self.revisions = revisions
    }

    public var current: EnterpriseRevision { revisions[revisions.count - 1] }
    public var name: String { current.name }
    public var uscc: String? { codes.first { $0.kind == .uscc }?.code }
    public var orgCode: String? { codes.first { $0.kind == .orgCode }?.code }

    /// Names the enterprise had before its current one, most recent first, without repeats.
    public var formerNames: [String] {
        var seen: Set<String> = [name]
        var names: [String] = []
        for revision in revisions.reversed() where seen.insert(revision.name).inserted {
            names.append(revision.name)
        }
        return names
    }

    /// The same enterprise without the former names in `names` (its current name always stays).
    public func withoutFormerNames(_ names: Set<String>) -> Enterprise {
        guard !names.isEmpty else { return self }
        var copy = self
        let current = self.current
        copy.revisions = revisions.dropLast().filter { !names.contains($0.name) } + [current]
        return copy
    }

    /// Visible warnings on the file, e.g. `check-character-warning`.
    public var flags: [String] {
        codes.contains { $0.checkWarning != nil } ? [Self.checkWarningFlag] : []
    }

    /// The flag of a file holding a code admitted with a wrong check character.
    public static let checkWarningFlag = "check-character-warning"

    /// The subject of a publication record about this enterprise.
    public var subject: PublicationSubject {
        PublicationSubject(uscc: uscc, orgCode: orgCode, name: name)
    }
}

/// An enterprise's quality-credit file: its particulars and everything that ever touched it.
public struct CreditFile: Sendable, Hashable {
    public var enterprise: Enterprise
    public var events: [QualityEvent]
    public var grades: [GradeRecord]
    public var listings: [Listing]

    public init(enterprise: Enterprise, events: [QualityEvent], grades: [GradeRecord], listings: [Listing]) {
        self.enterprise = enterprise
        self.events = events
        self.grades = grades
        self.listings = listings
    }
}
