-- qcredit schema, migration 16: the trigram index, with the marks of migration 15 and no copy
-- of the names.
--
-- The FTS5 table of migration 5 stored every name a second time (its content table) and a
-- length per name (its docsize table), 59 MB at a million files beside the 90 MB of
-- enterprise_revision, all written by the import. This one is contentless (content = '') with
-- no column sizes (no ranking uses them), and its rowid is the id of the first revision that
-- brought the name to its file: a reader joins enterprise_revision on it for the name and the
-- file. A contentless table cannot delete a row; the index never needs to, as
-- enterprise_revision is append-only.
CREATE VIRTUAL TABLE enterprise_name_search USING fts5(
    name,
    tokenize = 'trigram',
    content = '',
    columnsize = 0
);
-- Migration 18, always applied after this one, makes the index again without positions and
-- fills it; filling this one too would only double the time a large store takes to migrate.
