-- The officers of each task, one row per officer, so that an officer's task list ("my tasks")
-- is read from an index instead of a scan of every task's team. Kept by triggers on task, so
-- every path that writes a task (a draw, a reassignment) keeps it without knowing of it. The
-- triggers run once per statement on its changed rows (transition tables): a draw inserts
-- hundreds of thousands of tasks in a few statements.
CREATE TABLE task_officer (
    certificate_no TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    PRIMARY KEY (certificate_no, task_id)
);
CREATE INDEX task_officer_task ON task_officer(task_id);
INSERT INTO task_officer (certificate_no, task_id)
    SELECT j.value, t.id FROM task t, jsonb_array_elements_text(t.officers::jsonb) j;

CREATE FUNCTION task_officer_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_officer (certificate_no, task_id)
        SELECT j.value, n.id FROM new_rows n, jsonb_array_elements_text(n.officers::jsonb) j;
    RETURN NULL;
END $$;
CREATE TRIGGER task_officer_insert AFTER INSERT ON task
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_officer_inserted();

CREATE FUNCTION task_officer_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM task_officer o USING old_rows r, new_rows n
        WHERE o.task_id = r.id AND n.id = r.id AND n.officers IS DISTINCT FROM r.officers;
    INSERT INTO task_officer (certificate_no, task_id)
        SELECT j.value, n.id FROM new_rows n JOIN old_rows r ON r.id = n.id,
            jsonb_array_elements_text(n.officers::jsonb) j
        WHERE n.officers IS DISTINCT FROM r.officers;
    RETURN NULL;
END $$;
CREATE TRIGGER task_officer_update AFTER UPDATE ON task
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_officer_updated();

CREATE FUNCTION task_officer_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM task_officer o USING old_rows r WHERE o.task_id = r.id;
    RETURN NULL;
END $$;
CREATE TRIGGER task_officer_delete AFTER DELETE ON task
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_officer_deleted();

-- The population of a key draw (R-DRAW-KEY-3) in credit-code order from the index alone: a
-- province's million key units without a lookup of each row.
CREATE INDEX firm_draw ON firm(category, status, credit_code) INCLUDE (agency_id, id);
