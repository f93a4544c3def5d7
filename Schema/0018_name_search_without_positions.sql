-- qcredit schema, migration 18: the trigram index keeps which names hold a trigram, not where.
--
-- With FTS5's default detail=full every trigram of every name was stored with its position,
-- so that a query could be one phrase. The positions made the index more than twice its size
-- (96 MB against 43 MB for two million names) and about a quarter of the index's cost to the
-- writer, which the index dominated when importing into a registry that already holds a
-- million files (BENCHMARKS.md). With detail=none a query is the AND of the text's trigrams,
-- which every name holding the text matches; the reader then keeps only the names that hold
-- the text itself (QCreditStore's TrigramQuery), so answers are the same. The index is built
-- from enterprise_revision, once per name a file carried (migration 16 no longer fills one).
DROP TABLE enterprise_name_search;
CREATE VIRTUAL TABLE enterprise_name_search USING fts5(
    name,
    tokenize = 'trigram',
    content = '',
    columnsize = 0,
    detail = none
);
INSERT INTO enterprise_name_search (rowid, name)
SELECT MIN(id), char(2, 2) || name || char(3) FROM enterprise_revision
GROUP BY enterprise_id, name ORDER BY MIN(id);
