-- qcredit schema, migration 25: a listing's grade cap is fixed when it is published.
--
-- A listing's cap came from the policy in force when a grade was answered, so a new policy
-- version changed the grade answered for every listed file without publishing anything, and
-- GetGradeAt answered a past day with today's cap, not the grade the registry gave that day.
-- The `listed` step now keeps the cap of the policy it was published under, as it keeps its
-- term (`planned_end_on`); NULL is a list without a cap. Listings already published take the
-- cap of the policy in force now (the one the registry last ran with, else the newest
-- published), which is what they were answered with until this version.
ALTER TABLE listing_step ADD COLUMN maximum_grade TEXT;

DROP TRIGGER listing_step_append_only_update;
UPDATE listing_step SET maximum_grade = (
    SELECT json_extract(CAST(p.body AS TEXT), '$.lists."' || l.list_type || '".maximumGrade')
    FROM listing l, grading_policy p
    WHERE l.id = listing_step.listing_id
      AND p.version = COALESCE(
          (SELECT value FROM maintenance_state WHERE name = 'policyInForce'),
          (SELECT version FROM grading_policy ORDER BY publication_idx DESC LIMIT 1))
)
WHERE kind = 'listed';
CREATE TRIGGER listing_step_append_only_update BEFORE UPDATE ON listing_step BEGIN SELECT RAISE(ABORT, 'listing_step is append-only'); END;
