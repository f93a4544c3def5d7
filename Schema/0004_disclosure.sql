-- qcredit schema, migration 4: leaves commit, openings disclose (log leaf format 2).
--
-- From here on `publication.body` holds the log leaf, a commitment that names nothing:
-- {"commitment":"<base64 SHA-256(salt || record)>","format":2}. The record and its salt (the
-- opening) are kept beside it, and the disclosure rules decide who may receive them: regulators
-- and auditors always, the public while the record is disclosed. A database that already holds
-- publications (leaf format 1: the records themselves as leaves) is refused before this runs.

-- The publication table again, empty (format-1 logs are refused before this runs): `kind` may
-- now be NULL, for a leaf a restore replayed from a public export without its opening.
DROP TRIGGER publication_is_contiguous;
DROP TRIGGER publication_append_only_update;
DROP TRIGGER publication_append_only_delete;
DROP TRIGGER publication_no_replace;
DROP TABLE publication;
CREATE TABLE publication (
    idx             INTEGER PRIMARY KEY,
    kind            TEXT    CHECK (kind IS NULL OR kind IN ('listing', 'removal', 'grade', 'override', 'policy')),
    enterprise_id   INTEGER REFERENCES enterprise(id),
    body            BLOB    NOT NULL CHECK (length(body) <= 65535),   -- the leaf
    recorded_at     INTEGER NOT NULL,
    audit_id        INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE TRIGGER publication_is_contiguous BEFORE INSERT ON publication
WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM publication)
BEGIN SELECT RAISE(ABORT, 'publication: idx must be the next index of the log'); END;
CREATE TRIGGER publication_append_only_update BEFORE UPDATE ON publication BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;
CREATE TRIGGER publication_append_only_delete BEFORE DELETE ON publication BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;
CREATE TRIGGER publication_no_replace BEFORE INSERT ON publication
WHEN EXISTS (SELECT 1 FROM publication WHERE idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;

CREATE TABLE publication_opening (
    idx     INTEGER PRIMARY KEY REFERENCES publication(idx),
    salt    BLOB    NOT NULL CHECK (length(salt) = 32),
    record  BLOB    NOT NULL CHECK (length(record) <= 65535)
);

-- When a record stops being disclosed to the public: it is disclosed until the earliest
-- `ends_on` of its rows (that day excluded), and for ever if it has none. Rows are written
-- when the decision that ends disclosure is taken: a newer grade, an override's end, a removal
-- (repair and revocation end it that day), in the same transaction.
CREATE TABLE disclosure_end (
    id                INTEGER PRIMARY KEY,
    publication_idx   INTEGER NOT NULL REFERENCES publication(idx),
    ends_on           TEXT    NOT NULL,
    reason            TEXT    NOT NULL CHECK (reason IN ('superseded', 'override-ends', 'expired', 'cured', 'repaired',
                                                         'revoked')),
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX disclosure_end_by_publication ON disclosure_end(publication_idx, ends_on);
CREATE INDEX disclosure_end_by_date ON disclosure_end(ends_on);

-- Credit repair as a workflow: an application on the enterprise's behalf, then one decision.
CREATE TABLE repair_application (
    id                        INTEGER PRIMARY KEY,
    listing_id                INTEGER NOT NULL REFERENCES listing(id),
    applied_on                TEXT    NOT NULL,
    commitment_letter_sha256  TEXT    NOT NULL CHECK (length(commitment_letter_sha256) = 64),
    penalty_fulfilment        TEXT    NOT NULL,
    applicant_contact         TEXT    NOT NULL,
    decide_by                 TEXT    NOT NULL,   -- the policy's deadline for the decision
    recorded_at               INTEGER NOT NULL,
    audit_id                  INTEGER NOT NULL REFERENCES audit_entry(id)
);
CREATE INDEX repair_application_by_listing ON repair_application(listing_id, id);

CREATE TABLE repair_decision (
    application_id    INTEGER PRIMARY KEY REFERENCES repair_application(id),   -- decided once
    decision          TEXT    NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason            TEXT    NOT NULL,
    document_number   TEXT    NOT NULL,
    decided_on        TEXT    NOT NULL,
    removal_step_id   INTEGER REFERENCES listing_step(id),   -- the listing's removal, when approved
    recorded_at       INTEGER NOT NULL,
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);

CREATE TRIGGER publication_opening_append_only_update BEFORE UPDATE ON publication_opening BEGIN SELECT RAISE(ABORT, 'publication_opening is append-only'); END;
CREATE TRIGGER publication_opening_append_only_delete BEFORE DELETE ON publication_opening BEGIN SELECT RAISE(ABORT, 'publication_opening is append-only'); END;
CREATE TRIGGER publication_opening_no_replace BEFORE INSERT ON publication_opening
WHEN EXISTS (SELECT 1 FROM publication_opening WHERE idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'publication_opening is append-only'); END;
CREATE TRIGGER disclosure_end_append_only_update BEFORE UPDATE ON disclosure_end BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
CREATE TRIGGER disclosure_end_append_only_delete BEFORE DELETE ON disclosure_end BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
CREATE TRIGGER disclosure_end_no_replace BEFORE INSERT ON disclosure_end
WHEN EXISTS (SELECT 1 FROM disclosure_end WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
CREATE TRIGGER repair_application_append_only_update BEFORE UPDATE ON repair_application BEGIN SELECT RAISE(ABORT, 'repair_application is append-only'); END;
CREATE TRIGGER repair_application_append_only_delete BEFORE DELETE ON repair_application BEGIN SELECT RAISE(ABORT, 'repair_application is append-only'); END;
CREATE TRIGGER repair_application_no_replace BEFORE INSERT ON repair_application
WHEN EXISTS (SELECT 1 FROM repair_application WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'repair_application is append-only'); END;
CREATE TRIGGER repair_decision_append_only_update BEFORE UPDATE ON repair_decision BEGIN SELECT RAISE(ABORT, 'repair_decision is append-only'); END;
CREATE TRIGGER repair_decision_append_only_delete BEFORE DELETE ON repair_decision BEGIN SELECT RAISE(ABORT, 'repair_decision is append-only'); END;
CREATE TRIGGER repair_decision_no_replace BEFORE INSERT ON repair_decision
WHEN EXISTS (SELECT 1 FROM repair_decision WHERE application_id = NEW.application_id)
BEGIN SELECT RAISE(ABORT, 'repair_decision: an application is decided once'); END;
