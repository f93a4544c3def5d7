-- qcredit schema, migration 3: `INSERT OR REPLACE` cannot rewrite history either.
--
-- REPLACE resolves a key conflict by deleting the old row, and SQLite fires delete triggers for
-- that only when recursive triggers are on, so the append-only triggers of migrations 1 and 2
-- did not stop it. A BEFORE INSERT trigger runs before any conflict is resolved: an insert whose
-- key (primary or unique) is already taken is refused, whatever its conflict clause.

CREATE TRIGGER audit_entry_no_replace BEFORE INSERT ON audit_entry
WHEN EXISTS (SELECT 1 FROM audit_entry WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;

CREATE TRIGGER enterprise_no_replace BEFORE INSERT ON enterprise
WHEN EXISTS (SELECT 1 FROM enterprise WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'enterprise is append-only'); END;

CREATE TRIGGER enterprise_code_no_replace BEFORE INSERT ON enterprise_code
WHEN EXISTS (SELECT 1 FROM enterprise_code WHERE code = NEW.code)
BEGIN SELECT RAISE(ABORT, 'enterprise_code is append-only'); END;

CREATE TRIGGER enterprise_revision_no_replace BEFORE INSERT ON enterprise_revision
WHEN EXISTS (SELECT 1 FROM enterprise_revision WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'enterprise_revision is append-only'); END;

CREATE TRIGGER quality_event_no_replace BEFORE INSERT ON quality_event
WHEN EXISTS (SELECT 1 FROM quality_event WHERE id = NEW.id OR supersedes = NEW.supersedes)
BEGIN SELECT RAISE(ABORT, 'quality_event is append-only'); END;

CREATE TRIGGER publication_no_replace BEFORE INSERT ON publication
WHEN EXISTS (SELECT 1 FROM publication WHERE idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'publication is append-only'); END;

CREATE TRIGGER grading_policy_no_replace BEFORE INSERT ON grading_policy
WHEN EXISTS (SELECT 1 FROM grading_policy WHERE version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'grading_policy is append-only'); END;

CREATE TRIGGER grade_record_no_replace BEFORE INSERT ON grade_record
WHEN EXISTS (SELECT 1 FROM grade_record WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'grade_record is append-only'); END;

CREATE TRIGGER listing_no_replace BEFORE INSERT ON listing
WHEN EXISTS (SELECT 1 FROM listing WHERE id = NEW.id OR escalated_from = NEW.escalated_from)
BEGIN SELECT RAISE(ABORT, 'listing is append-only'); END;

CREATE TRIGGER listing_step_no_replace BEFORE INSERT ON listing_step
WHEN EXISTS (SELECT 1 FROM listing_step WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'listing_step is append-only'); END;

CREATE TRIGGER merkle_node_no_replace BEFORE INSERT ON merkle_node
WHEN EXISTS (SELECT 1 FROM merkle_node WHERE level = NEW.level AND idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'merkle_node is append-only'); END;

-- A checkpoint of a size already signed: the same root is a harmless repeat (ignored); another
-- root would be a fork of the log, refused.
CREATE TRIGGER signed_checkpoint_no_replace BEFORE INSERT ON signed_checkpoint
WHEN EXISTS (SELECT 1 FROM signed_checkpoint WHERE size = NEW.size)
BEGIN
    SELECT RAISE(ABORT, 'signed_checkpoint: a different root was already signed at this size')
    WHERE NOT EXISTS (SELECT 1 FROM signed_checkpoint WHERE size = NEW.size AND root_hash = NEW.root_hash);
    SELECT RAISE(IGNORE);
END;
