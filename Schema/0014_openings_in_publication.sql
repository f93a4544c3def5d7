-- qcredit schema, migration 14: a record's opening is kept in its publication row.
--
-- Migration 4 kept each opening (salt and record) in a table of its own beside `publication`,
-- one row per leaf: a second insert, with its own key, foreign key and triggers, for every
-- record the log appends. It was about a seventh of what publishing a million grades cost
-- (BENCHMARKS.md). The opening now lives in two columns of the leaf's row, both present or
-- both NULL (a leaf a restore replayed from a public export without its opening); who may
-- receive it is unchanged, decided by the disclosure rules when it is read.
ALTER TABLE publication ADD COLUMN salt BLOB CHECK (salt IS NULL OR length(salt) = 32);
ALTER TABLE publication ADD COLUMN record BLOB CHECK (record IS NULL OR length(record) <= 65535)
    CHECK ((salt IS NULL) = (record IS NULL));

-- The openings move once, with the append-only triggers lifted for these statements.
DROP TRIGGER publication_append_only_update;
UPDATE publication SET salt = o.salt, record = o.record FROM publication_opening o WHERE o.idx = publication.idx;
CREATE TRIGGER publication_append_only_update BEFORE UPDATE ON publication BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;
DROP TRIGGER publication_opening_append_only_update;
DROP TRIGGER publication_opening_append_only_delete;
DROP TRIGGER publication_opening_no_replace;
DROP TABLE publication_opening;

-- An INSERT OR REPLACE of a taken index is refused by publication_is_contiguous already (the
-- index it names is not the next one), so this second check on every append goes.
DROP TRIGGER publication_no_replace;
