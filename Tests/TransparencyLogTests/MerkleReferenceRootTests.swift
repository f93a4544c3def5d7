import Testing
import TransparencyLog

/// The reference roots of the project's testdata README: the RFC 6962 tree over eight fixed
/// leaves, sizes 1–8, through each way this module computes a root.
@Suite struct MerkleReferenceRootTests {
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map(Bytes.hex)

    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test func emptyTree() throws {
        #expect(Bytes.hex(MerkleHash.empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleAccumulator().root == MerkleHash.empty)
        #expect(InMemoryMerkleTree().root == MerkleHash.empty)
        #expect(try MerkleTree.root(size: 0, reader: InMemoryMerkleTree()) == MerkleHash.empty)
    }

    @Test func inMemoryTreeAndStoredNodes() throws {
        let tree = InMemoryMerkleTree()
        for (size, leaf) in zip(1..., Self.leaves) {
            tree.append(leafData: leaf)
            #expect(Bytes.hex(tree.root) == Self.roots[size - 1], "size \(size)")
        }
        // Past sizes come from the same stored nodes.
        for size in 1...8 {
            #expect(Bytes.hex(try MerkleTree.root(size: Int64(size), reader: tree)) == Self.roots[size - 1])
        }
    }

    @Test func accumulator() {
        var accumulator = MerkleAccumulator()
        for (size, leaf) in zip(1..., Self.leaves) {
            accumulator.append(leafData: leaf)
            #expect(accumulator.size == Int64(size))
            #expect(Bytes.hex(accumulator.root) == Self.roots[size - 1], "size \(size)")
        }
    }

    @Test func naiveImplementationAgrees() {
        let hashes = Self.leaves.map(MerkleHash.leaf)
        for size in 1...8 {
            #expect(Bytes.hex(NaiveRFC6962.mth(hashes[..<size])) == Self.roots[size - 1])
        }
    }
}
