-- qcredit schema, migration 19: a grade's disclosure ends with the disclosure of the events it cites.
--
-- A computed grade record cites events (their ids, kinds, severities and dates). An event is shown
-- to the public for the policy's `events` period after it happened and not at all once it was
-- retracted or corrected; a grade record citing it must not show it for longer. Two reasons join
-- the others: `event-disclosure-ends` (written when the grade is published, on the first day an
-- event it cites is no longer shown) and `event-withdrawn` (written when an event it cites is
-- retracted or corrected). SQLite cannot change a CHECK constraint, so the table is rebuilt
-- with its rows, indexes and append-only triggers (its CHECK written as comparisons: migration 11).
DROP TRIGGER disclosure_end_append_only_update;
DROP TRIGGER disclosure_end_append_only_delete;
DROP TRIGGER disclosure_end_no_replace;

CREATE TABLE disclosure_end_rebuilt (
    id                INTEGER PRIMARY KEY,
    publication_idx   INTEGER NOT NULL REFERENCES publication(idx),
    ends_on           TEXT    NOT NULL,
    reason            TEXT    NOT NULL CHECK (reason = 'superseded' OR reason = 'override-ends' OR reason = 'expired'
                                              OR reason = 'cured' OR reason = 'repaired' OR reason = 'revoked'
                                              OR reason = 'event-disclosure-ends' OR reason = 'event-withdrawn'),
    audit_id          INTEGER NOT NULL REFERENCES audit_entry(id)
);
INSERT INTO disclosure_end_rebuilt (id, publication_idx, ends_on, reason, audit_id)
SELECT id, publication_idx, ends_on, reason, audit_id FROM disclosure_end;
DROP TABLE disclosure_end;
ALTER TABLE disclosure_end_rebuilt RENAME TO disclosure_end;
CREATE INDEX disclosure_end_by_publication ON disclosure_end(publication_idx, ends_on);
CREATE INDEX disclosure_end_by_date ON disclosure_end(ends_on);

CREATE TRIGGER disclosure_end_append_only_update BEFORE UPDATE ON disclosure_end BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
CREATE TRIGGER disclosure_end_append_only_delete BEFORE DELETE ON disclosure_end BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
CREATE TRIGGER disclosure_end_no_replace BEFORE INSERT ON disclosure_end
WHEN EXISTS (SELECT 1 FROM disclosure_end WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'disclosure_end is append-only'); END;
