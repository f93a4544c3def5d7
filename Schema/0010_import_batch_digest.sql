-- qcredit schema, migration 10: an import batch remembers what it held.
--
-- A batch is applied once per (import id, lines). Sent again with other rows under the same id
-- and lines (a changed file, or an import id reused for another file), it used to be answered
-- "already applied" and its rows were never imported. The SHA-256 of the batch's rows, as sent,
-- is kept with it, and a batch whose rows differ is refused. Batches applied before this
-- migration have none and are matched by their lines alone, as before.
ALTER TABLE import_batch ADD COLUMN rows_digest BLOB;
