import QCreditCrypto
import TransparencyLog

/// C2SP tlog-proof files, as a bank keeps them for offline evidence: the proof, the checkpoint
/// inside it, and the inclusion check.
///
/// Checked: a parsed proof prints back to exactly its input and parses to itself; its checkpoint
/// prints and parses back too; the inclusion check succeeds exactly when the proof leads to the
/// checkpoint's root.
enum TLogProofTarget {
    static let target = FuzzTarget(
        name: "tlog-proof", summary: "tlog-proof files, their checkpoints, and the inclusion check", body: run)

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let text = input.repairedText
        guard let proof = try? TLogProof(parsing: text) else { return }
        try require(proof.text.hasSameUTF8(as: text), "the proof does not print back to its input")
        try require((try? TLogProof(parsing: proof.text)) == proof, "the printed proof parses differently")
        let checkpoint = proof.checkpoint
        try require((try? Checkpoint(parsing: checkpoint.text)) == checkpoint, "the checkpoint does not parse back")
        // The entry the proof is for is unknown here; the first proof hash stands in for one, so
        // the fold runs over the whole proof. The root it leads to must then verify.
        let leaf = proof.proof.first ?? MerkleHash.leaf([])
        guard
            let root = try? MerkleProof.rootFromInclusionProof(
                leafHash: leaf, index: proof.index, treeSize: checkpoint.size, proof: proof.proof)
        else { return }
        let verification = Result { () throws(MerkleProofError) in
            try MerkleProof.verifyInclusion(
                leafHash: leaf, index: proof.index, treeSize: checkpoint.size, proof: proof.proof, root: root)
        }
        try require((try? verification.get()) != nil, "a proof does not verify against the root it leads to")
        try require(
            (root == checkpoint.rootHash) == ((try? proof.verifyInclusion(leafHash: leaf)) != nil),
            "the inclusion check disagrees with the root the proof leads to")
    }
}
