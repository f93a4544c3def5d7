-- qcredit schema, migration 9: the correction key of quality_event indexes corrections only.
--
-- `supersedes INTEGER UNIQUE` put every event into a unique index, nearly all of them under
-- NULL (an event that corrects nothing), so each new event paid for an index insert that no
-- lookup uses: about a quarter of an event's cost in the store. SQLite cannot drop a column
-- constraint, so the table is rebuilt with the same columns, rows and ids, and "each event is
-- corrected at most once" is kept by a unique index over the corrections alone. The
-- append-only triggers are recreated as they were; the no-replace check probes the id and the
-- correction key separately, so that each probe uses its index.

DROP TRIGGER quality_event_append_only_update;
DROP TRIGGER quality_event_append_only_delete;
DROP TRIGGER quality_event_no_replace;

CREATE TABLE quality_event_rebuilt (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprise(id),
    dimension         TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    severity          TEXT    NOT NULL,
    occurred_on       TEXT    NOT NULL,
    authority         TEXT    NOT NULL,
    document_number   TEXT    NOT NULL,
    legal_basis       TEXT,
    summary           TEXT    NOT NULL,
    evidence_url      TEXT,
    supersedes        INTEGER REFERENCES quality_event(id),  -- unique among corrections (below)
    is_retraction     INTEGER NOT NULL DEFAULT 0,
    correction_reason TEXT,
    recorded_at       INTEGER NOT NULL,
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
INSERT INTO quality_event_rebuilt (
    id, enterprise_id, dimension, kind, severity, occurred_on, authority, document_number, legal_basis, summary,
    evidence_url, supersedes, is_retraction, correction_reason, recorded_at, audit_id)
SELECT
    id, enterprise_id, dimension, kind, severity, occurred_on, authority, document_number, legal_basis, summary,
    evidence_url, supersedes, is_retraction, correction_reason, recorded_at, audit_id
FROM quality_event ORDER BY id;
DROP TABLE quality_event;
ALTER TABLE quality_event_rebuilt RENAME TO quality_event;

CREATE INDEX quality_event_by_enterprise ON quality_event(enterprise_id, id);
-- Each event is corrected at most once.
CREATE UNIQUE INDEX quality_event_correction ON quality_event(supersedes) WHERE supersedes IS NOT NULL;

CREATE TRIGGER quality_event_append_only_update BEFORE UPDATE ON quality_event BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;
CREATE TRIGGER quality_event_append_only_delete BEFORE DELETE ON quality_event BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;
CREATE TRIGGER quality_event_no_replace BEFORE INSERT ON quality_event
WHEN EXISTS (SELECT 1 FROM quality_event WHERE id = NEW.id)
    OR EXISTS (SELECT 1 FROM quality_event WHERE supersedes = NEW.supersedes)
BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;
