import Foundation
import TransparencyLog

/// The proof vectors of `Fixtures/merkle/`, found relative to this source file so the tests
/// pass whatever the working directory (the test target excludes `Fixtures/`).
enum MerkleFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/merkle", isDirectory: true)

    struct Inclusion: Decodable {
        var leafIdx: UInt64
        var treeSize: UInt64
        var root: String
        var leafHash: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    struct Consistency: Decodable {
        var size1: UInt64
        var size2: UInt64
        var root1: String
        var root2: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    /// Every JSON file under `Fixtures/merkle/<kind>/`, decoded, with its relative path.
    static func load<Vector: Decodable>(_ kind: String, as type: Vector.Type) throws -> [(path: String, vector: Vector)] {
        let root = directory.appendingPathComponent(kind, isDirectory: true)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        var vectors: [(String, Vector)] = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
            vectors.append((url.path.replacingOccurrences(of: directory.path + "/", with: ""), vector))
        }
        return vectors.sorted { $0.0 < $1.0 }
    }
}

/// Bytes from base64 (the fixtures) and hex (the reference roots).
enum Bytes {
    static func base64(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { [UInt8]($0) } }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var characters = text.makeIterator()
        while let high = characters.next(), let low = characters.next() {
            bytes.append(UInt8(String([high, low]), radix: 16)!)
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// A straightforward recursive RFC 6962 §2.1 implementation over all leaf hashes in memory:
/// MTH, PATH and PROOF/SUBPROOF exactly as the RFC writes them (recursion depth log2 n).
enum NaiveRFC6962 {
    /// The largest power of two smaller than `n` (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return MerkleHash.empty
        case 1: return leaves.first!
        default:
            let k = split(leaves.count)
            let mid = leaves.startIndex + k
            return MerkleHash.node(mth(leaves[..<mid]), mth(leaves[mid...]))
        }
    }

    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let mid = leaves.startIndex + k
        if m < k {
            return path(m, leaves[..<mid]) + [mth(leaves[mid...])]
        } else {
            return path(m - k, leaves[mid...]) + [mth(leaves[..<mid])]
        }
    }

    static func proof(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return b ? [] : [mth(leaves)] }
        let k = split(n)
        let mid = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[..<mid], b) + [mth(leaves[mid...])]
        } else {
            return subproof(m - k, leaves[mid...], false) + [mth(leaves[..<mid])]
        }
    }
}

/// A reader that counts what it is asked for and refuses nodes beyond `limit` leaves, so a
/// proof for a past size provably uses only that tree's nodes.
final class CountingReader<Base: MerkleNodeReader>: MerkleNodeReader {
    struct BeyondTree: Error { var node: MerkleNodeID }

    let base: Base
    let limit: Int64
    private(set) var calls = 0
    private(set) var nodesRequested = 0

    init(_ base: Base, limit: Int64) {
        self.base = base
        self.limit = limit
    }

    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        calls += 1
        nodesRequested += nodes.count
        if let beyond = nodes.first(where: { $0.leafRange.upperBound > limit }) { throw BeyondTree(node: beyond) }
        return try base.hashes(of: nodes)
    }
}

/// ⌈log2 n⌉ (0 for n ≤ 1).
func ceilLog2(_ n: Int64) -> Int { n <= 1 ? 0 : Int64.bitWidth - (n - 1).leadingZeroBitCount }

/// Deterministic record bytes for leaf `i`.
func record(_ i: Int) -> [UInt8] { Array("qcredit record \(i)".utf8) }

/// A small deterministic generator (SplitMix64), so random-size tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
