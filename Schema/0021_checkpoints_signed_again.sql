-- qcredit schema, migration 21: a checkpoint may be signed again, by more keys, at a size already
-- signed.
--
-- A key rotation lists the old and the new keys together until a checkpoint carries the new
-- keys' signatures; on a log that does not grow meanwhile, that checkpoint is the newest one
-- signed again (same size, same root, the same text) by every configured key. The table was
-- keyed by size, so a second note for a size could not be kept; now each signature event is a
-- row. A different root at a size already signed is still refused (a fork of the log), and the
-- same note again is still a harmless repeat.
DROP TRIGGER signed_checkpoint_append_only_update;
DROP TRIGGER signed_checkpoint_append_only_delete;
DROP TRIGGER signed_checkpoint_no_replace;
CREATE TABLE signed_checkpoint_rebuilt (
    id          INTEGER PRIMARY KEY,
    size        INTEGER NOT NULL CHECK (size >= 0),
    root_hash   BLOB    NOT NULL CHECK (length(root_hash) = 32),
    note        TEXT    NOT NULL,
    signed_at   INTEGER NOT NULL
);
INSERT INTO signed_checkpoint_rebuilt (size, root_hash, note, signed_at)
    SELECT size, root_hash, note, signed_at FROM signed_checkpoint ORDER BY size;
DROP TABLE signed_checkpoint;
ALTER TABLE signed_checkpoint_rebuilt RENAME TO signed_checkpoint;
CREATE INDEX signed_checkpoint_by_size ON signed_checkpoint(size, id);

CREATE TRIGGER signed_checkpoint_append_only_update BEFORE UPDATE ON signed_checkpoint BEGIN SELECT RAISE(ABORT, 'signed_checkpoint is append-only'); END;
CREATE TRIGGER signed_checkpoint_append_only_delete BEFORE DELETE ON signed_checkpoint BEGIN SELECT RAISE(ABORT, 'signed_checkpoint is append-only'); END;
CREATE TRIGGER signed_checkpoint_no_replace BEFORE INSERT ON signed_checkpoint
WHEN EXISTS (SELECT 1 FROM signed_checkpoint WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'signed_checkpoint is append-only'); END;
CREATE TRIGGER signed_checkpoint_no_fork BEFORE INSERT ON signed_checkpoint
WHEN EXISTS (SELECT 1 FROM signed_checkpoint WHERE size = NEW.size)
BEGIN
    SELECT RAISE(ABORT, 'signed_checkpoint: a different root was already signed at this size')
    WHERE EXISTS (SELECT 1 FROM signed_checkpoint WHERE size = NEW.size AND root_hash != NEW.root_hash);
    SELECT RAISE(IGNORE) WHERE EXISTS (SELECT 1 FROM signed_checkpoint WHERE size = NEW.size AND note = NEW.note);
END;
