-- qcredit schema, migration 15: exact and prefix matches come from the trigram index too.
--
-- Migration 5 kept a plain index on enterprise_revision(name) for exact and prefix matches
-- (and for queries of one or two characters, too short for a trigram). Every registered file
-- put one entry at a random place in it, and each import batch of 5,000 files rewrote some
-- 4,000 of its pages into the WAL: half of what registering a file cost (BENCHMARKS.md). The
-- trigram index instead holds each name between two marks: two U+0002 before it and one U+0003
-- after it, characters no name can hold (TextField refuses control characters). A name that
-- starts with "ab" is then one holding the phrase U+0002 U+0002 "ab" (two trigrams), and the
-- whole name "abc" is the phrase U+0002 U+0002 "abc" U+0003; a single character is one
-- trigram (QCreditStore's NameIndexMarks).
--
-- The plain index goes, and so does the trigram index of migration 5: migration 16, which
-- runs with this one, makes the new one with the marks, once.
DROP INDEX enterprise_revision_by_name;
DROP TABLE enterprise_name_search;
