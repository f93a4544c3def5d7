-- qcredit schema, migration 7: grades kept fresh by maintenance, and banks' watch lists.
--
-- These tables are bookkeeping, not history: unlike the registry's records they are updated
-- and deleted. What they drive (grade publications) goes into the append-only tables and the log.

-- The first day on which a file's published computed grade may no longer be what the policy
-- gives (an event window or cap closes, linear decay crosses a threshold, an override ends, an
-- event was recorded). The daily regrade recomputes only the files due by today, through the
-- index, and sets their next date; a file with nothing ahead has no row.
CREATE TABLE regrade_due (
    enterprise_id   INTEGER PRIMARY KEY REFERENCES enterprise(id),
    due_on          TEXT    NOT NULL
);
CREATE INDEX regrade_due_by_date ON regrade_due(due_on, enterprise_id);

-- Every file graded before this migration is recomputed once by the first regrade, which then
-- dates its next one.
INSERT INTO regrade_due (enterprise_id, due_on)
SELECT DISTINCT enterprise_id, '0001-01-01' FROM grade_record WHERE basis = 'computed';

-- Small named facts maintenance keeps between runs (the last regrade's date).
CREATE TABLE maintenance_state (
    name    TEXT PRIMARY KEY,
    value   TEXT NOT NULL
) WITHOUT ROWID;

-- A bank's named watch list: owned by the uid that made it, seen and used by nobody else.
CREATE TABLE watch_list (
    id          INTEGER PRIMARY KEY,
    owner_uid   INTEGER NOT NULL,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at  INTEGER NOT NULL,
    UNIQUE (owner_uid, name)
);

-- The codes a list watches, normalised; they match a file holding that exact code.
CREATE TABLE watch_list_code (
    list_id     INTEGER NOT NULL REFERENCES watch_list(id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    PRIMARY KEY (list_id, code)
) WITHOUT ROWID;
