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
    /// Asked before each line: true stops the export (the daemon is stopping), which then
    /// leaves nothing behind.
    let stopRequested: @Sendable () -> Bool

    /// Thrown from a line's iteration once ``stopRequested`` says so.
    struct Stopped: Error {}

    init(
        reader: RegistryReader, registry: Registry, origin: String, asOf: CivilDate, moment: Instant,
        checkpoint: (size: Int64, rootHash: [UInt8], note: String), stopRequested: @escaping @Sendable () -> Bool = { false }
    ) {
        self.stopRequested = stopRequested
        self.reader = reader
        self.registry = registry
        self.origin = origin
        self.asOfDate = asOf
        self.moment = moment
        self.checkpoint = checkpoint
    }

    var asOf: String { asOfDate.description }

    func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws {
        try forEachEnterpriseLine { line in
            switch line {
            case .value(let value): try body(value)
            case .canonical(let bytes, _, _): try body(try JSONValue.parse(bytes))
            }
        }
    }

    func forEachEnterpriseLine(_ body: (ExportStateLine) throws -> Void) throws {
        let policy = registry.policy
        let visibility = Visibility(view: .public, today: asOfDate, rules: policy.disclosure)
        try reader.forEachEnterpriseInCodeOrder { id in
            if stopRequested() { throw Stopped() }
            // The export's state is the public's: what a bank sees. A file never listed (nearly all)
            // is answered from one query; one with listings takes the full view, caps and names.
            guard let row = try reader.stateRow(enterpriseId: id, atOrBefore: moment) else { return }
            // A computed grade the public no longer sees gives way to the newest one before it
            // that it does (``RegistryReader/gradeView``, which reads the older ones); a hidden
            // override is just left out, as the line below does.
            let hidesAComputedGrade = row.computed?.disclosureEndsOn.map { visibility.today >= $0 } ?? false
            guard row.hasListings || hidesAComputedGrade else {
                let bytes = try Self.stateLineBytes(row, policy: policy, visibility: visibility, on: asOfDate)
                return try body(.canonical(bytes, uscc: row.uscc, orgCode: row.orgCode))
            }
            guard let enterprise = try reader.enterprise(id: id) else { return }
            let view = try reader.gradeView(enterprise: enterprise, at: moment, date: asOfDate, policy: policy, visibility: visibility)
            try body(.canonical(try Self.stateLineBytes(view), uscc: enterprise.uscc, orgCode: enterprise.orgCode))
        }
    }

    /// One line of state.jsonl as canonical bytes: who, the grade in force and what it rests on,
    /// the lists. Written directly (a dictionary per file and its sorting was a fifth of the
    /// export's time); `StateLineTests` holds it to the canonical bytes of the same object built
    /// as a value.
    static func stateLineBytes(_ view: GradeView) throws(CanonicalJSONError) -> [UInt8] {
        let enterprise = view.enterprise
        return try stateLineBytes(
            uscc: enterprise.uscc, orgCode: enterprise.orgCode, name: enterprise.name, status: enterprise.current.status,
            flags: enterprise.flags, inForce: view.inForce, listTypes: view.listTypes)
    }

    /// The line of a file without listings whose grades the public sees, as ``stateLineBytes(_:)``
    /// would give it for the file's ``GradeView``: no listing caps it.
    static func stateLineBytes(_ row: StateRow, policy: Policy, visibility: Visibility, on date: CivilDate)
        throws(CanonicalJSONError) -> [UInt8]
    {
        func shown(_ grade: (record: GradeRecord, disclosureEndsOn: CivilDate?)?) -> GradeRecord? {
            guard let grade else { return nil }
            return grade.disclosureEndsOn.map { visibility.today < $0 } ?? true ? grade.record : nil
        }
        let inForce = GradeInForce.resolve(
            computed: shown(row.computed), override: shown(row.override), caps: [], on: date, scale: policy.scale)
        return try stateLineBytes(
            uscc: row.uscc, orgCode: row.orgCode, name: row.name, status: row.status,
            flags: row.hasCheckWarning ? [Enterprise.checkWarningFlag] : [], inForce: inForce, listTypes: [])
    }

    private static func stateLineBytes(
        uscc: String?, orgCode: String?, name: String, status: EnterpriseStatus, flags: [String], inForce: GradeInForce,
        listTypes: [String]
    ) throws(CanonicalJSONError) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        var object = CanonicalObjectWriter(into: &line)
        object.member("basis", string: inForce.basis.rawValue, into: &line)
        object.member("flags", strings: flags, into: &line)
        object.member("grade", string: inForce.grade, into: &line)
        object.member("listed", strings: listTypes, into: &line)
        try object.member("logIndex", integer: inForce.publicationIndex, into: &line)
        object.member("name", string: name, into: &line)
        object.member("orgCode", string: orgCode, into: &line)
        object.member("policyVersion", string: inForce.record?.policyVersion, into: &line)
        try object.member("score", integer: inForce.record?.score.map(Int64.init), into: &line)
        object.member("status", string: status.rawValue, into: &line)
        object.member("uscc", string: uscc, into: &line)
        object.end(into: &line)
        return line
    }

    /// The public part: the listings the public sees on the as-of date, with their history. The
    /// restricted part: every published listing, with whether the public sees it.
    func forEachListing(in part: ExportPart, _ body: (JSONValue) throws -> Void) throws {
        let visibility = Visibility(view: .public, today: asOfDate, rules: registry.policy.disclosure)
        try reader.forEachPublishedListing { stored in
            if stopRequested() { throw Stopped() }
            let shown = try reader.shown(stored, visibility: visibility)
            let disclosed = shown != nil
            guard let listing = part == .restricted ? stored : shown,
                let enterprise = try reader.enterprise(id: listing.enterpriseId)
            else { return }
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
            if stopRequested() { throw Stopped() }
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
