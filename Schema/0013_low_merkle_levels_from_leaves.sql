-- qcredit schema, migration 13: the three lowest levels above the leaves are hashed from the
-- leaves, not stored.
--
-- Migration 12 stopped storing level 0. Levels 1 to 3 were still seven in eight of
-- merkle_node's rows, and inserting them about a fifth of the writer's time publishing grades
-- (BENCHMARKS.md). From here on merkle_node holds levels 4 and up; a node below covers at most
-- eight leaves, which QCreditStore's MerkleNodeTable reads from `publication` and hashes (a proof
-- needs at most one such node a level: at most 15 leaves, next to each other in one page). As in
-- migration 12 the rows go with the append-only trigger lifted for that one statement: they are
-- derived data, and every root, proof and checkpoint stays the same.
DROP TRIGGER merkle_node_append_only_delete;
DELETE FROM merkle_node WHERE level BETWEEN 1 AND 3;
CREATE TRIGGER merkle_node_append_only_delete BEFORE DELETE ON merkle_node BEGIN SELECT RAISE(ABORT, 'merkle_node is append-only'); END;
