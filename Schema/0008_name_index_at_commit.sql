-- qcredit schema, migration 8: the name index is written once per transaction, not by a trigger.
--
-- FTS5 writes the terms it holds in memory to a new index segment whenever a statement opens a
-- savepoint, and SQLite opens one for every statement that fires a trigger. With the trigger of
-- migration 5, every revision insert therefore flushed the index and made a segment of one
-- name, which FTS5 then had to merge: registering a file cost more in the name index than in
-- all its other rows. The writer now adds the transaction's new names (a name a file had not
-- carried before) in one statement just before it commits (RegistryWriter.indexNewNames), so
-- a transaction makes one segment, and the index still commits or rolls back with the rows.
DROP TRIGGER enterprise_revision_indexes_name;
