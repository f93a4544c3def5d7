-- qcredit schema, migration 24: what each export saw.
--
-- An export is written from one read snapshot. The newest audit entry that snapshot held says
-- which decisions the export knew: a disclosure end recorded by a later transaction was not
-- known to it, whatever the clock said of the two (a clock set back made an export look newer
-- than a revocation recorded after it, and the export stayed public). Bookkeeping, not
-- history: an export with no row here (written before, or lost to a restore) is judged by the
-- log and the clock as before.
CREATE TABLE export_snapshot (
    name            TEXT    PRIMARY KEY,
    last_audit_id   INTEGER NOT NULL
) WITHOUT ROWID;
