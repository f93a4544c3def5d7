-- qcredit schema, migration 2: the publication log as an RFC 6962 Merkle tree.
--
-- Layout: the hash of every *perfect* subtree, keyed by (level, index). Node (l, i) covers leaves
-- [i·2^l, (i+1)·2^l); level 0 holds the leaf hashes SHA-256(0x00 || record bytes). Appending a leaf
-- inserts it and each parent it completes (two rows per append on average), in the same
-- transaction as its publication record. The root of any size is the fold of at most log2(n)+1
-- stored nodes (the binary decomposition of n), and every inclusion or consistency proof is made
-- of O(log n) stored nodes or hashes folded from them: nothing re-hashes the log.

CREATE TABLE merkle_node (
    level   INTEGER NOT NULL CHECK (level >= 0 AND level < 63),
    idx     INTEGER NOT NULL CHECK (idx >= 0),
    hash    BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every checkpoint the registry signed. The newest is also kept outside the database, in the state
-- directory's `checkpoint` file, so a database restored from an older copy is noticed.
CREATE TABLE signed_checkpoint (
    size        INTEGER PRIMARY KEY CHECK (size >= 0),
    root_hash   BLOB    NOT NULL CHECK (length(root_hash) = 32),
    note        TEXT    NOT NULL,
    signed_at   INTEGER NOT NULL
);

CREATE TRIGGER merkle_node_append_only_update BEFORE UPDATE ON merkle_node BEGIN SELECT RAISE(ABORT, 'merkle_node is append-only'); END;
CREATE TRIGGER merkle_node_append_only_delete BEFORE DELETE ON merkle_node BEGIN SELECT RAISE(ABORT, 'merkle_node is append-only'); END;
CREATE TRIGGER signed_checkpoint_append_only_update BEFORE UPDATE ON signed_checkpoint BEGIN SELECT RAISE(ABORT, 'signed_checkpoint is append-only'); END;
CREATE TRIGGER signed_checkpoint_append_only_delete BEFORE DELETE ON signed_checkpoint BEGIN SELECT RAISE(ABORT, 'signed_checkpoint is append-only'); END;
