-- qcredit schema, migration 11: value-list CHECKs written as comparisons.
--
-- SQLite checks `x IN ('a', 'b', 'c')` (three values or more) by building a temporary b-tree of
-- the list for every row it inserts: an in-memory pager opened and closed per row, which was
-- about a twelfth of publishing a grade and doubled the cost of a plain insert (Python
-- `sqlite3`, 300,000 rows: 0.78 s against 0.37 s). `x = 'a' OR x = 'b' OR x = 'c'` accepts and
-- refuses exactly the same values (a NULL passes both) and costs nothing. SQLite cannot alter a
-- constraint, and these tables are large, so the stored CREATE TABLE texts are edited in place,
-- as SQLite's documentation describes for changing CHECK constraints ("Making Other Kinds Of
-- Table Schema Changes"): the rows' format does not change. The registry runs this with
-- `writable_schema` on and bumps `schema_version` after it (SchemaMigrations.swift); a text that
-- does not match (a schema edited by hand) is left as it was.

UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (kind IS NULL OR kind IN (''listing'', ''removal'', ''grade'', ''override'', ''policy''))',
                       'CHECK (kind IS NULL OR kind = ''listing'' OR kind = ''removal'' OR kind = ''grade'' OR kind = ''override'' OR kind = ''policy'')')
WHERE type = 'table' AND name = 'publication';

UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status IN (''active'', ''deregistered'', ''licence-revoked''))',
                       'CHECK (status = ''active'' OR status = ''deregistered'' OR status = ''licence-revoked'')')
WHERE type = 'table' AND name = 'enterprise_revision';

UPDATE sqlite_schema
SET sql = replace(replace(replace(replace(sql,
    'CHECK (kind IN (''proposed'', ''objection-filed'', ''objection-resolved'',
                                                       ''listed'', ''withdrawn'', ''removed''))',
    'CHECK (kind = ''proposed'' OR kind = ''objection-filed'' OR kind = ''objection-resolved''
                                                       OR kind = ''listed'' OR kind = ''withdrawn'' OR kind = ''removed'')'),
    'CHECK (state_after IN (''proposed'', ''objected'', ''listed'', ''contested'',
                                                              ''withdrawn'', ''removed''))',
    'CHECK (state_after = ''proposed'' OR state_after = ''objected'' OR state_after = ''listed''
                                                              OR state_after = ''contested'' OR state_after = ''withdrawn''
                                                              OR state_after = ''removed'')'),
    'CHECK (removal_reason IN (''expired'', ''repaired'', ''revoked'', ''cured''))',
    'CHECK (removal_reason = ''expired'' OR removal_reason = ''repaired'' OR removal_reason = ''revoked''
                                                              OR removal_reason = ''cured'')'),
    'CHECK (outcome IN (''upheld'', ''rejected''))', 'CHECK (outcome = ''upheld'' OR outcome = ''rejected'')')
WHERE type = 'table' AND name = 'listing_step';

UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (reason IN (''superseded'', ''override-ends'', ''expired'', ''cured'', ''repaired'',
                                                         ''revoked''))',
    'CHECK (reason = ''superseded'' OR reason = ''override-ends'' OR reason = ''expired'' OR reason = ''cured''
                                                         OR reason = ''repaired'' OR reason = ''revoked'')')
WHERE type = 'table' AND name = 'disclosure_end';
