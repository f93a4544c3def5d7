import CanonicalJSON
import Foundation
import QCreditCrypto
import QCreditExport
import SignedNote
import TransparencyLog

/// A registry in memory: a log (``InMemoryMerkleTree``) of format-2 leaves whose checkpoint is
/// signed with the test keys, with their openings, enterprise files made on the fly (never all
/// in memory), and listings.
final class InMemorySource: ExportSource {
    let origin: String
    var asOf = "2026-11-27"
    let tree = InMemoryMerkleTree()
    /// The leaves' bytes, by index.
    private(set) var leaves: [[UInt8]] = []
    /// Each leaf's opening, by index; nil for a leaf replayed without it.
    private(set) var openings: [RecordOpening?] = []
    /// The entries whose openings the public does not receive.
    var undisclosed: Set<Int64> = []
    /// Listings only the restricted part carries (the public no longer sees them).
    var hiddenListings: [JSONValue] = []
    private let signers: [any NoteSigner]
    private(set) var checkpoint: (size: Int64, rootHash: [UInt8], note: String) = (0, [], "")

    /// Enterprises with a USCC, then `orgCodeOnly` without one.
    var enterpriseCount: Int
    var orgCodeOnly: Int
    /// Extra text in each enterprise file, to make the state file heavier.
    var padding = ""
    /// The log record each enterprise's grade rests on, when set.
    var stateLogIndex: Int64?
    var listings: [JSONValue]
    /// Makes ``forEachListing(_:)`` throw after this many listings.
    var failListingsAfter: Int?

    struct Failure: Error, CustomStringConvertible {
        var description: String { "the database went away" }
    }

    init(
        origin: String = "qcredit.example.gov.cn/registry", keys: TestKeys, records: Int = 5, enterprises: Int = 7,
        orgCodeOnly: Int = 2, listings: Int = 3, history: String = "a"
    ) throws {
        self.origin = origin
        signers = keys.all.map(\.signer)
        enterpriseCount = enterprises
        self.orgCodeOnly = orgCodeOnly
        self.listings = (0..<listings).map { index in
            [
                "id": .int(Int64(index + 1)), "uscc": .string(Self.uscc(index)), "reason": "重大质量事故",
                "history": [["event": "listed", "on": .string("2026-10-0\(index + 1)")]],
            ]
        }
        try append(records: records, history: history)
    }

    static func uscc(_ index: Int) -> String { "9135010" + String(format: "%011d", index) }

    /// Appends `count` records (canonical JSON) under fresh salts and signs a new checkpoint.
    /// `history` varies the records' contents, to make another log of the same shape.
    func append(records count: Int, history: String = "a") throws {
        for _ in 0..<count {
            let value: JSONValue = [
                "format": 1, "seq": .int(Int64(leaves.count)), "type": "grade", "history": .string(history),
                "subject": ["uscc": .string(Self.uscc(leaves.count)), "name": "内蒙古示例质量有限公司"],
            ]
            let opening = RecordOpening(salt: RandomBytes.make(RecordOpening.saltSize), record: try value.canonicalBytes())
            openings.append(opening)
            leaves.append(opening.leaf.bytes)
            tree.append(leafData: opening.leaf.bytes)
        }
        let body = try Checkpoint(origin: origin, size: tree.size, rootHash: tree.root)
        checkpoint = (tree.size, tree.root, try NoteSigning.sign(text: body.text, with: signers))
    }

    /// The records' bytes, by index.
    var records: [[UInt8]] { openings.map { $0?.record ?? [] } }

    /// Replaces the stored bytes of leaf `index` (tree untouched): a leaf changed behind the log's back.
    func corruptLeaf(_ index: Int, with bytes: [UInt8]) { leaves[index] = bytes }

    /// Replaces the opening of entry `index` (nil: the registry lacks it, as after a restore).
    func replaceOpening(_ index: Int, with opening: RecordOpening?) { openings[index] = opening }

    func enterprise(_ index: Int) -> JSONValue {
        var value: JSONValue
        if index < enterpriseCount {
            value = [
                "uscc": .string(Self.uscc(index)), "orgCode": .string(String(format: "M%08d", index)),
                "name": .string("示例企业 \(index)"), "grade": "A", "score": 92.5,
            ]
        } else {
            value = [
                "uscc": nil, "orgCode": .string(String(format: "%09d", index)), "name": .string("旧代码企业 \(index)"),
                "grade": "B", "score": 80,
            ]
        }
        if !padding.isEmpty, case .object(var members) = value {
            members["note"] = .string(padding)
            value = .object(members)
        }
        if let stateLogIndex, case .object(var members) = value {
            members["logIndex"] = .int(stateLogIndex)
            value = .object(members)
        }
        return value
    }

    func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws {
        for index in 0..<(enterpriseCount + orgCodeOnly) { try body(enterprise(index)) }
    }

    func forEachListing(in part: ExportPart, _ body: (JSONValue) throws -> Void) throws {
        for (index, listing) in listings.enumerated() {
            if let failListingsAfter, index >= failListingsAfter { throw Failure() }
            try body(part == .public ? listing : Self.adding(disclosed: true, to: listing))
        }
        if part == .restricted {
            for listing in hiddenListings { try body(Self.adding(disclosed: false, to: listing)) }
        }
    }

    static func adding(disclosed: Bool, to listing: JSONValue) -> JSONValue {
        guard case .object(var members) = listing else { return listing }
        members["disclosed"] = .bool(disclosed)
        return .object(members)
    }

    func forEachEntry(from start: Int64, to end: Int64, _ body: (ExportEntry) throws -> Void) throws {
        for index in start..<end {
            try body(ExportEntry(leaf: leaves[Int(index)], opening: openings[Int(index)], isDisclosed: !undisclosed.contains(index)))
        }
    }

    func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]] {
        try tree.consistencyProof(from: oldSize, to: newSize)
    }

    func compactRange(size: Int64) throws -> [[UInt8]] {
        try tree.hashes(of: MerkleTree.rootNodes(size: size))
    }
}
