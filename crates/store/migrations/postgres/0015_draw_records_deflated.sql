-- A draw's frozen input and its result are stored deflated (RFC 1951) by the application: a
-- province's input is 55 MB of JSON, about 8 MB deflated, its result 20 MB, about 3 MB. Sending
-- and writing the whole text was most of the freeze (0.6 to 1.3 s, the server's own lz4
-- compression included). `input` and `output` keep the text of records frozen or drawn before,
-- and are empty where the deflated column holds it (`draws::freeze`, `draws::execute`, read
-- back by `draws::StoredDraw`). The server does not try to compress them again.
ALTER TABLE draw_input ADD COLUMN input_deflated BYTEA;
ALTER TABLE draw_input ALTER COLUMN input_deflated SET STORAGE EXTERNAL;
ALTER TABLE draw_record ADD COLUMN output_deflated BYTEA;
ALTER TABLE draw_record ALTER COLUMN output_deflated SET STORAGE EXTERNAL;

-- The check of a statement's task references (0012) took the distinct firm ids of the new rows
-- first: the planner, without statistics of a transition table, guessed 200 of them and
-- hashed a quarter of a million in batches spilled to disk before probing the firm index for
-- each (0.45 s of a province's draw). A draw's tasks name each firm once (the unique key of
-- draw and firm), so the firm index is probed for each row as it comes (0.2 s).
CREATE OR REPLACE FUNCTION task_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what TEXT;
    missing BIGINT;
BEGIN
    SELECT m.what, m.id INTO what, missing FROM (
        (SELECT 'firm' AS what, n.firm_id AS id FROM new_rows n
            WHERE NOT EXISTS (SELECT 1 FROM firm f WHERE f.id = n.firm_id) LIMIT 1)
        UNION ALL
        SELECT 'draw record', n.draw_id FROM (SELECT DISTINCT draw_id FROM new_rows) n
            WHERE NOT EXISTS (SELECT 1 FROM draw_record d WHERE d.id = n.draw_id)
        UNION ALL
        SELECT 'agency', n.agency_id FROM (SELECT DISTINCT agency_id FROM new_rows) n
            WHERE NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = n.agency_id)
    ) m LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a task refers to % %, which does not exist', what, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
