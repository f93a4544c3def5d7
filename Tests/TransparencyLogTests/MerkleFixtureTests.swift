import Testing
import TransparencyLog

/// The transparency-dev/merkle vectors: each happy path verifies, each `wantErr` one fails.
@Suite struct MerkleFixtureTests {
    @Test func inclusionVectors() throws {
        let vectors = try MerkleFixtures.load("inclusion", as: MerkleFixtures.Inclusion.self)
        #expect(vectors.count == 98)
        var passed = 0
        for (path, vector) in vectors {
            let leafHash = try #require(Bytes.base64(vector.leafHash), "\(path)")
            let root = try #require(Bytes.base64(vector.root), "\(path)")
            let proof = try (vector.proof ?? []).map { try #require(Bytes.base64($0), "\(path)") }
            // Indices and sizes are uint64 in the vectors; the same 64 bits as Int64 (2^64 − 1
            // becomes −1, which must be rejected like any index out of range).
            let result = Result { () throws(MerkleProofError) in
                try MerkleProof.verifyInclusion(
                    leafHash: leafHash, index: Int64(bitPattern: vector.leafIdx),
                    treeSize: Int64(bitPattern: vector.treeSize), proof: proof, root: root)
            }
            switch result {
            case .success:
                #expect(!vector.wantErr, "\(path): \(vector.desc) verified but must fail")
                passed += 1
            case .failure(let error):
                #expect(vector.wantErr, "\(path): \(vector.desc) failed: \(error)")
            }
        }
        #expect(passed == 6)
    }

    @Test func inclusionHappyPathsGiveTheirRoot() throws {
        for (path, vector) in try MerkleFixtures.load("inclusion", as: MerkleFixtures.Inclusion.self) where !vector.wantErr {
            let computed = try MerkleProof.rootFromInclusionProof(
                leafHash: try #require(Bytes.base64(vector.leafHash)), index: Int64(vector.leafIdx),
                treeSize: Int64(vector.treeSize), proof: (vector.proof ?? []).compactMap(Bytes.base64))
            #expect(computed == Bytes.base64(vector.root), "\(path)")
        }
    }

    @Test func consistencyVectors() throws {
        let vectors = try MerkleFixtures.load("consistency", as: MerkleFixtures.Consistency.self)
        #expect(vectors.count == 98)
        var passed = 0
        for (path, vector) in vectors {
            let root1 = try #require(Bytes.base64(vector.root1), "\(path)")
            let root2 = try #require(Bytes.base64(vector.root2), "\(path)")
            let proof = try (vector.proof ?? []).map { try #require(Bytes.base64($0), "\(path)") }
            let result = Result { () throws(MerkleProofError) in
                try MerkleProof.verifyConsistency(
                    oldSize: Int64(bitPattern: vector.size1), newSize: Int64(bitPattern: vector.size2),
                    oldRoot: root1, newRoot: root2, proof: proof)
            }
            switch result {
            case .success:
                #expect(!vector.wantErr, "\(path): \(vector.desc) verified but must fail")
                passed += 1
            case .failure(let error):
                #expect(vector.wantErr, "\(path): \(vector.desc) failed: \(error)")
            }
        }
        #expect(passed == 6)
    }
}
