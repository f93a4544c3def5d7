-- qcredit schema, migration 6: resumable file imports.
--
-- A client importing a file sends it in batches of consecutive lines under an import id. Each
-- batch applied is remembered here in the same transaction as its rows, so a re-run of the same
-- import (after an interruption) skips what was already applied: no row is imported twice. The
-- rows the batch refused are kept (as JSON) so the re-run reports them again.
CREATE TABLE import_batch (
    import_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('enterprises', 'events')),
    first_line  INTEGER NOT NULL,
    last_line   INTEGER NOT NULL CHECK (last_line >= first_line),
    imported    INTEGER NOT NULL,
    rejections  TEXT    NOT NULL,   -- JSON array of {"row": n, "error": name, "reason": text}
    audit_id    INTEGER NOT NULL REFERENCES audit_entry(id),
    PRIMARY KEY (import_id, first_line)
) WITHOUT ROWID;

CREATE TRIGGER import_batch_append_only_update BEFORE UPDATE ON import_batch BEGIN SELECT RAISE(ABORT, 'import_batch is append-only'); END;
CREATE TRIGGER import_batch_append_only_delete BEFORE DELETE ON import_batch BEGIN SELECT RAISE(ABORT, 'import_batch is append-only'); END;
CREATE TRIGGER import_batch_no_replace BEFORE INSERT ON import_batch
WHEN EXISTS (SELECT 1 FROM import_batch WHERE import_id = NEW.import_id AND first_line = NEW.first_line)
BEGIN SELECT RAISE(ABORT, 'import_batch is append-only'); END;
