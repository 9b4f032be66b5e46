-- A draw stores hundreds of thousands of tasks in a few statements. The foreign keys of task
-- checked them row by row, each check locking the referenced firm, draw record and agency row
-- (writing a lock into the firm's page: about 25 µs a task, most of a province's draw). The same
-- references are now checked once per statement, over all of its rows. A check when a task is
-- written holds for good because firms, draw records and agencies are never deleted nor
-- renumbered (their history, the tasks and the audit trail name them): the guards below refuse
-- both, with the error code of a foreign key.
ALTER TABLE task DROP CONSTRAINT task_draw_id_fkey;
ALTER TABLE task DROP CONSTRAINT task_agency_id_fkey;
ALTER TABLE task DROP CONSTRAINT task_firm_id_fkey;

CREATE FUNCTION task_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what TEXT;
    missing BIGINT;
BEGIN
    SELECT m.what, m.id INTO what, missing FROM (
        SELECT 'firm' AS what, n.firm_id AS id FROM (SELECT DISTINCT firm_id FROM new_rows) n
            WHERE NOT EXISTS (SELECT 1 FROM firm f WHERE f.id = n.firm_id)
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
CREATE TRIGGER task_references_insert AFTER INSERT ON task
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_references_check();
CREATE TRIGGER task_references_update AFTER UPDATE ON task
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_references_check();

CREATE FUNCTION refuse_delete_or_renumber() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'rows of % are kept for good (tasks name them): set a status instead of deleting or renumbering', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER firm_kept BEFORE DELETE OR UPDATE OF id ON firm
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_or_renumber();
CREATE TRIGGER draw_record_kept BEFORE DELETE OR UPDATE OF id ON draw_record
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_or_renumber();
CREATE TRIGGER agency_kept BEFORE DELETE OR UPDATE OF id ON agency
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_or_renumber();

-- The officers of a draw's tasks in key order: half a million index entries written in order
-- instead of at random places.
CREATE OR REPLACE FUNCTION task_officer_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_officer (certificate_no, task_id)
        SELECT j.value, n.id FROM new_rows n, jsonb_array_elements_text(n.officers::jsonb) j
        ORDER BY 1, 2;
    RETURN NULL;
END $$;
