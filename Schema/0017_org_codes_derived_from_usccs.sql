-- qcredit schema, migration 17: the by-file index leaves out the organization code inside a USCC.
--
-- A file opened with a USCC holds two rows in enterprise_code: the USCC and the organization
-- code inside it (positions 9 to 17), both needed to look the file up by code. The index by
-- file kept both as well, a tenth of the writer's time importing a million files
-- (BENCHMARKS.md), though the second row says nothing the first does not. Such rows are now
-- marked `derived_from_uscc = 1` and left out of the index by file; a reader that lists a
-- file's codes by file takes the organization code from its USCC (QCreditStore's
-- EnterpriseCodeEntry+Derived). Rows written before keep NULL and stay in the index: a file
-- they list in full gets nothing derived twice. An organization code that a legacy file was
-- opened with, and a USCC attached to such a file later, are never derived.
ALTER TABLE enterprise_code ADD COLUMN derived_from_uscc INTEGER CHECK (derived_from_uscc IS NULL OR derived_from_uscc = 1);
DROP INDEX enterprise_code_by_enterprise;
CREATE INDEX enterprise_code_by_enterprise ON enterprise_code(enterprise_id) WHERE derived_from_uscc IS NULL;
