import CanonicalJSON
import QCreditDomain
import QCreditExport
import QCreditRegistry
import QCreditStore
import TransparencyLog

/// The registry as an export sees it, read from one database snapshot (a `RegistryReader`
/// inside a read transaction). Every line is built from the same encodings the wire uses.
struct RegistryExportSource: ExportSource {
    let reader: RegistryReader
    let registry: Registry
    let origin: String
    let asOfDate: CivilDate
    let moment: Instant
    let checkpoint: (size: Int64, rootHash: [UInt8], note: String)

    init(
        reader: RegistryReader, registry: Registry, origin: String, asOf: CivilDate, moment: Instant,
        checkpoint: (size: Int64, rootHash: [UInt8], note: String)
    ) {
        self.reader = reader
        self.registry = registry
        self.origin = origin
        self.asOfDate = asOf
        self.moment = moment
        self.checkpoint = checkpoint
    }

    var asOf: String { asOfDate.description }

    func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws {
        let policy = registry.policy
        let visibility = Visibility(view: .public, today: asOfDate, rules: policy.disclosure)
        try reader.forEachEnterpriseInCodeOrder { id in
            guard let enterprise = try reader.enterprise(id: id) else { return }
            // The export's state is the public's: what a bank sees.
            let view = try reader.gradeView(enterprise: enterprise, at: moment, date: asOfDate, policy: policy, visibility: visibility)
            try body(Self.stateLine(view))
        }
    }

    /// One line of state.jsonl: who, the grade in force and what it rests on, the lists.
    static func stateLine(_ view: GradeView) -> JSONValue {
        let enterprise = view.enterprise
        let inForce = view.inForce
        return [
            "uscc": JSONValue(enterprise.uscc), "orgCode": JSONValue(enterprise.orgCode), "name": .string(enterprise.name),
            "status": .string(enterprise.current.status.rawValue), "flags": .array(enterprise.flags.map(JSONValue.string)),
            "grade": JSONValue(inForce.grade), "basis": .string(inForce.basis.rawValue),
            "policyVersion": JSONValue(inForce.record?.policyVersion), "score": JSONValue(inForce.record?.score),
            "logIndex": JSONValue(inForce.publicationIndex), "listed": .array(view.listTypes.map(JSONValue.string)),
        ]
    }

    /// The public part: the listings the public sees on the as-of date, with their history. The
    /// restricted part: every published listing, with whether the public sees it.
    func forEachListing(in part: ExportPart, _ body: (JSONValue) throws -> Void) throws {
        let visibility = Visibility(view: .public, today: asOfDate, rules: registry.policy.disclosure)
        try reader.forEachPublishedListing { listing in
            let disclosed = try reader.shows(listing, visibility: visibility)
            guard part == .restricted || disclosed, let enterprise = try reader.enterprise(id: listing.enterpriseId) else { return }
            var line = WireEncoding.listing(listing, enterprise: enterprise)
            if part == .restricted, case .object(var members) = line {
                members["disclosed"] = .bool(disclosed)
                line = .object(members)
            }
            try body(line)
        }
    }

    /// Each leaf, its opening, and whether the public view shows the opening on the as-of date.
    func forEachEntry(from start: Int64, to end: Int64, _ body: (ExportEntry) throws -> Void) throws {
        let visibility = Visibility(view: .public, today: asOfDate, rules: registry.policy.disclosure)
        try reader.forEachEntry(from: start, to: end) { entry in
            try body(ExportEntry(leaf: entry.leaf, opening: entry.opening, isDisclosed: visibility.showsOpening(of: entry)))
        }
    }

    func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]] {
        try MerkleTree.consistencyProof(from: oldSize, to: newSize, reader: reader.merkleNodes)
    }

    func compactRange(size: Int64) throws -> [[UInt8]] {
        try reader.merkleNodes.hashes(of: MerkleTree.rootNodes(size: size))
    }
}
