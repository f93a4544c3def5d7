-- qcredit schema, migration 23: a watch list follows an organisation by either of its codes.
--
-- A USCC embeds its organisation's code (characters 9-17), and finds a legacy file registered
-- under that code alone; a change feed follows such a file by the USCC too, and a list holds an
-- organisation once, whichever code named it. This index finds the USCCs on a list that embed a
-- given organization code.
CREATE INDEX watch_list_code_by_embedded_org_code ON watch_list_code(list_id, substr(code, 9, 9)) WHERE length(code) = 18;

-- An organization code already on a list beside a USCC that embeds it is the same organisation.
DELETE FROM watch_list_code
WHERE length(code) = 9 AND EXISTS (
    SELECT 1 FROM watch_list_code AS uscc
    WHERE uscc.list_id = watch_list_code.list_id AND length(uscc.code) = 18 AND substr(uscc.code, 9, 9) = watch_list_code.code
);
