-- qcredit schema, migration 5: finding a file by name.
--
-- Every name a file has carried (current and former) is indexed once per file in an FTS5
-- table with the trigram tokenizer, so that any three consecutive characters of a name, Chinese
-- or Latin, find it (case-insensitively). A trigger keeps the index in the same transaction as
-- the revision that brings a new name; revisions that keep the name add nothing. Names are
-- never removed: enterprise_revision is append-only. Who may see a former name is decided at
-- query time, by the public-view rule, not here.
CREATE VIRTUAL TABLE enterprise_name_search USING fts5(
    name,
    enterprise_id UNINDEXED,
    tokenize = 'trigram'
);

-- Exact and prefix matches (and the 1–2 character queries trigrams cannot serve) use a plain
-- index on the names.
CREATE INDEX enterprise_revision_by_name ON enterprise_revision(name);

CREATE TRIGGER enterprise_revision_indexes_name AFTER INSERT ON enterprise_revision
WHEN NOT EXISTS (
    SELECT 1 FROM enterprise_revision
    WHERE enterprise_id = NEW.enterprise_id AND name = NEW.name AND id <> NEW.id
)
BEGIN
    INSERT INTO enterprise_name_search (name, enterprise_id) VALUES (NEW.name, NEW.enterprise_id);
END;

-- Files opened before this migration.
INSERT INTO enterprise_name_search (name, enterprise_id)
SELECT DISTINCT name, enterprise_id FROM enterprise_revision;
