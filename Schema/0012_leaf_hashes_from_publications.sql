-- qcredit schema, migration 12: leaf hashes are read from the leaves, not stored again.
--
-- A leaf's hash is SHA-256(0x00 || leaf), and the leaf is `publication.body`, which the log keeps
-- anyway. Storing the hash again as level 0 of merkle_node made half of that table's rows, and
-- inserting them was an eighth of the writer's time publishing grades (BENCHMARKS.md). From here
-- on merkle_node holds levels 1 and up; a level-0 node is its publication's body hashed
-- (QCreditStore's MerkleNodeTable), which a proof needs at most twice. The rows stored before go,
-- with the append-only trigger lifted for that one statement: they are derived data, and every
-- root, proof and checkpoint stays the same.
DROP TRIGGER merkle_node_append_only_delete;
DELETE FROM merkle_node WHERE level = 0;
CREATE TRIGGER merkle_node_append_only_delete BEFORE DELETE ON merkle_node BEGIN SELECT RAISE(ABORT, 'merkle_node is append-only'); END;
