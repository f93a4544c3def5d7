-- qcredit schema, migration 1: the registry's records.
--
-- Every table that holds a record is append-only: triggers refuse UPDATE and DELETE, so a
-- correction is always a new row that supersedes an old one, and history cannot be rewritten
-- behind the log's back. Times are Unix seconds (INTEGER); calendar dates are ISO 'YYYY-MM-DD'
-- text, which sorts correctly. Every record row names the audit entry of the call that wrote it.

-- Who did what: one row per write call (and per automatic maintenance run).
CREATE TABLE audit_entry (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    method      TEXT    NOT NULL,
    peer_uid    INTEGER,            -- NULL for the registry's own work
    peer_gid    INTEGER,
    peer_pid    INTEGER,
    parameters  TEXT    NOT NULL    -- the call's parameters as JSON
);

CREATE TABLE enterprise (
    id          INTEGER PRIMARY KEY,
    audit_id    INTEGER NOT NULL REFERENCES audit_entry(id)
);

-- Every code a file is known by (a USCC file also holds its embedded organization code),
-- so a lookup by either form is one primary-key probe.
CREATE TABLE enterprise_code (
    code            TEXT    PRIMARY KEY,
    enterprise_id   INTEGER NOT NULL REFERENCES enterprise(id),
    kind            TEXT    NOT NULL CHECK (kind IN ('uscc', 'orgCode')),
    check_warning   TEXT,           -- set when admitted with a wrong check character
    audit_id        INTEGER NOT NULL REFERENCES audit_entry(id)
) WITHOUT ROWID;
CREATE INDEX enterprise_code_by_enterprise ON enterprise_code(enterprise_id);

-- Registered particulars; the latest revision is current, earlier ones give former names.
CREATE TABLE enterprise_revision (
    id              INTEGER PRIMARY KEY,
    enterprise_id   INTEGER NOT NULL REFERENCES enterprise(id),
    name            TEXT    NOT NULL,
    division_code   TEXT,
    entity_type     TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'deregistered', 'licence-revoked')),
    effective_on    TEXT,
    reason          TEXT,
    document_number TEXT,
    recorded_at     INTEGER NOT NULL,
    audit_id        INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX enterprise_revision_by_enterprise ON enterprise_revision(enterprise_id, id);

CREATE TABLE quality_event (
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
    supersedes        INTEGER UNIQUE REFERENCES quality_event(id),  -- each event is corrected at most once
    is_retraction     INTEGER NOT NULL DEFAULT 0,
    correction_reason TEXT,
    recorded_at       INTEGER NOT NULL,
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX quality_event_by_enterprise ON quality_event(enterprise_id, id);

-- The log's leaves: one row per public decision, numbered 0, 1, 2, … without gaps. `body` is
-- the record's RFC 8785 canonical JSON, byte for byte the Merkle leaf.
CREATE TABLE publication (
    idx             INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('listing', 'removal', 'grade', 'override', 'policy')),
    enterprise_id   INTEGER REFERENCES enterprise(id),
    body            BLOB    NOT NULL CHECK (length(body) <= 65535),
    recorded_at     INTEGER NOT NULL,
    audit_id        INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE TRIGGER publication_is_contiguous BEFORE INSERT ON publication
WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM publication)
BEGIN SELECT RAISE(ABORT, 'publication: idx must be the next index of the log'); END;

-- Grading policies put into force, each published once.
CREATE TABLE grading_policy (
    version           TEXT    PRIMARY KEY,
    body              BLOB    NOT NULL,     -- canonical JSON of the policy
    publication_idx   INTEGER NOT NULL REFERENCES publication(idx),
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);

CREATE TABLE grade_record (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprise(id),
    basis             TEXT    NOT NULL CHECK (basis IN ('computed', 'override')),
    grade             TEXT    NOT NULL,
    score             INTEGER,
    policy_version    TEXT    NOT NULL,
    explanation       BLOB    NOT NULL,     -- canonical JSON
    effective_at      INTEGER NOT NULL,
    until_on          TEXT,                 -- last day an override is in force
    reason            TEXT,
    document_number   TEXT,
    publication_idx   INTEGER NOT NULL REFERENCES publication(idx),
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX grade_record_by_enterprise ON grade_record(enterprise_id, basis, effective_at, id);

CREATE TABLE listing (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprise(id),
    list_type         TEXT    NOT NULL,
    name_at_decision  TEXT    NOT NULL,
    reason            TEXT    NOT NULL,
    legal_basis       TEXT    NOT NULL,
    authority         TEXT    NOT NULL,
    document_number   TEXT    NOT NULL,
    decision_date     TEXT    NOT NULL,
    escalated_from    INTEGER UNIQUE REFERENCES listing(id),   -- escalated at most once
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX listing_by_enterprise ON listing(enterprise_id, id);

CREATE TABLE listing_step (
    id                INTEGER PRIMARY KEY,
    listing_id        INTEGER NOT NULL REFERENCES listing(id),
    kind              TEXT    NOT NULL CHECK (kind IN ('proposed', 'objection-filed', 'objection-resolved',
                                                       'listed', 'withdrawn', 'removed')),
    state_after       TEXT    NOT NULL CHECK (state_after IN ('proposed', 'objected', 'listed', 'contested',
                                                              'withdrawn', 'removed')),
    on_date           TEXT    NOT NULL,
    authority         TEXT,
    document_number   TEXT,
    reason            TEXT,
    summary           TEXT,
    outcome           TEXT    CHECK (outcome IN ('upheld', 'rejected')),
    removal_reason    TEXT    CHECK (removal_reason IN ('expired', 'repaired', 'revoked', 'cured')),
    planned_end_on    TEXT,
    objection_id      INTEGER REFERENCES listing_step(id),
    publication_idx   INTEGER REFERENCES publication(idx),
    recorded_at       INTEGER NOT NULL,
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX listing_step_by_listing ON listing_step(listing_id, id);
-- Finds listings whose term ends, for automatic expiry, without scanning every listing.
CREATE INDEX listing_step_planned_end ON listing_step(planned_end_on) WHERE planned_end_on IS NOT NULL;
-- Finds everything published on a list since a date, for ListBlacklist.
CREATE INDEX listing_step_listed_on ON listing_step(kind, on_date);

-- Append-only: no record is ever changed or deleted.
CREATE TRIGGER audit_entry_append_only_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;
CREATE TRIGGER audit_entry_append_only_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;
CREATE TRIGGER enterprise_append_only_update BEFORE UPDATE ON enterprise BEGIN SELECT RAISE(ABORT, 'enterprise is append-only'); END;
CREATE TRIGGER enterprise_append_only_delete BEFORE DELETE ON enterprise BEGIN SELECT RAISE(ABORT, 'enterprise is append-only'); END;
CREATE TRIGGER enterprise_code_append_only_update BEFORE UPDATE ON enterprise_code BEGIN SELECT RAISE(ABORT, 'enterprise_code is append-only'); END;
CREATE TRIGGER enterprise_code_append_only_delete BEFORE DELETE ON enterprise_code BEGIN SELECT RAISE(ABORT, 'enterprise_code is append-only'); END;
CREATE TRIGGER enterprise_revision_append_only_update BEFORE UPDATE ON enterprise_revision BEGIN SELECT RAISE(ABORT, 'enterprise_revision is append-only'); END;
CREATE TRIGGER enterprise_revision_append_only_delete BEFORE DELETE ON enterprise_revision BEGIN SELECT RAISE(ABORT, 'enterprise_revision is append-only'); END;
CREATE TRIGGER quality_event_append_only_update BEFORE UPDATE ON quality_event BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;
CREATE TRIGGER quality_event_append_only_delete BEFORE DELETE ON quality_event BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;
CREATE TRIGGER publication_append_only_update BEFORE UPDATE ON publication BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;
CREATE TRIGGER publication_append_only_delete BEFORE DELETE ON publication BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;
CREATE TRIGGER grading_policy_append_only_update BEFORE UPDATE ON grading_policy BEGIN SELECT RAISE(ABORT, 'grading_policy is append-only'); END;
CREATE TRIGGER grading_policy_append_only_delete BEFORE DELETE ON grading_policy BEGIN SELECT RAISE(ABORT, 'grading_policy is append-only'); END;
CREATE TRIGGER grade_record_append_only_update BEFORE UPDATE ON grade_record BEGIN SELECT RAISE(ABORT, 'grade_record is append-only'); END;
CREATE TRIGGER grade_record_append_only_delete BEFORE DELETE ON grade_record BEGIN SELECT RAISE(ABORT, 'grade_record is append-only'); END;
CREATE TRIGGER listing_append_only_update BEFORE UPDATE ON listing BEGIN SELECT RAISE(ABORT, 'listing is append-only'); END;
CREATE TRIGGER listing_append_only_delete BEFORE DELETE ON listing BEGIN SELECT RAISE(ABORT, 'listing is append-only'); END;
CREATE TRIGGER listing_step_append_only_update BEFORE UPDATE ON listing_step BEGIN SELECT RAISE(ABORT, 'listing_step is append-only'); END;
CREATE TRIGGER listing_step_append_only_delete BEFORE DELETE ON listing_step BEGIN SELECT RAISE(ABORT, 'listing_step is append-only'); END;
