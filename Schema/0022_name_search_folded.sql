-- qcredit schema, migration 22: the name index holds each name folded, as queries are.
--
-- The trigram index held names as registered, and a query was looked up in a few whole forms
-- (as typed, half-width, full-width). A name mixing forms (`IBM（中国）有限公司`: ASCII letters,
-- full-width brackets) or holding an ideographic space or a run of spaces held the trigrams of
-- none of them, so a short query missed it. From here on each name is indexed in the form names
-- and queries are compared in, `qcredit_name_key(name)` (QCreditStore's NameIndexKey: full-width
-- ASCII as ASCII, white space runs as one space, lower case), a function every connection of the
-- registry has; queries are folded the same way. The index is rebuilt as migration 18 built it.
DROP TABLE enterprise_name_search;
CREATE VIRTUAL TABLE enterprise_name_search USING fts5(
    name,
    tokenize = 'trigram',
    content = '',
    columnsize = 0,
    detail = none
);
INSERT INTO enterprise_name_search (rowid, name)
SELECT MIN(id), char(2, 2) || qcredit_name_key(name) || char(3) FROM enterprise_revision
GROUP BY enterprise_id, name ORDER BY MIN(id);
