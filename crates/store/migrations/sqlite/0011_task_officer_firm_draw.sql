-- The officers of each task, one row per officer, so that an officer's task list ("my tasks")
-- is read from an index instead of a scan of every task's team. Kept by triggers on task, so
-- every path that writes a task (a draw, a reassignment) keeps it without knowing of it.
CREATE TABLE task_officer (
    certificate_no TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    PRIMARY KEY (certificate_no, task_id)
) WITHOUT ROWID;
CREATE INDEX task_officer_task ON task_officer(task_id);
INSERT INTO task_officer (certificate_no, task_id) SELECT j.value, t.id FROM task t, json_each(t.officers) j;
CREATE TRIGGER task_officer_insert AFTER INSERT ON task BEGIN
    INSERT INTO task_officer (certificate_no, task_id) SELECT value, new.id FROM json_each(new.officers);
END;
CREATE TRIGGER task_officer_update AFTER UPDATE OF officers ON task BEGIN
    DELETE FROM task_officer WHERE task_id = old.id;
    INSERT INTO task_officer (certificate_no, task_id) SELECT value, new.id FROM json_each(new.officers);
END;
CREATE TRIGGER task_officer_delete AFTER DELETE ON task BEGIN
    DELETE FROM task_officer WHERE task_id = old.id;
END;

-- The population of a key draw (R-DRAW-KEY-3) in credit-code order from the index alone: a
-- province's million key units without a lookup of each row.
CREATE INDEX firm_draw ON firm(category, status, credit_code, agency_id);
