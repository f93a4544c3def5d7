-- qcredit schema, migration 26: when the registry last wrote an export.
--
-- `qcredit status` warned of a nightly export more than 26 hours old only while one was in the
-- exports directory: once retention or withdrawals had emptied it (a repair withdraws every
-- export that disclosed the listing), a timer that had stopped long before went unnoticed. The
-- export's own facts are kept with what it saw; rows recorded before this migration have none.
ALTER TABLE export_snapshot ADD COLUMN kind TEXT;
ALTER TABLE export_snapshot ADD COLUMN tree_size INTEGER;
ALTER TABLE export_snapshot ADD COLUMN created TEXT;
