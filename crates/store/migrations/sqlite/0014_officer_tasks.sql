-- An officer's tasks ("my tasks") as one row per officer and draw holding the ids of the tasks
-- (a JSON array), instead of one row per officer and task: a province's draw wrote half a
-- million rows with two indexes (1.1 s of a 4 s draw on SQLite, 2.1 s of 7 s on PostgreSQL);
-- its fifteen thousand officers now take as many rows. A draw's dispatch writes them
-- (`draws::insert_tasks`); triggers keep them when a task's team changes or a task goes.
CREATE TABLE officer_tasks (
    certificate_no TEXT NOT NULL,
    draw_id BIGINT NOT NULL,
    task_ids TEXT NOT NULL,
    PRIMARY KEY (certificate_no, draw_id)
) WITHOUT ROWID;
INSERT INTO officer_tasks (certificate_no, draw_id, task_ids)
    SELECT o.certificate_no, t.draw_id, json_group_array(t.id)
    FROM task_officer o JOIN task t ON t.id = o.task_id
    GROUP BY o.certificate_no, t.draw_id;
DROP TRIGGER task_officer_insert;
DROP TRIGGER task_officer_update;
DROP TRIGGER task_officer_delete;
DROP TABLE task_officer;

CREATE TRIGGER officer_tasks_update AFTER UPDATE OF officers ON task
WHEN new.officers IS NOT old.officers BEGIN
    UPDATE officer_tasks SET task_ids =
        (SELECT json_group_array(j.value) FROM json_each(officer_tasks.task_ids) j WHERE j.value <> old.id)
        WHERE draw_id = old.draw_id AND certificate_no IN (SELECT value FROM json_each(old.officers));
    DELETE FROM officer_tasks WHERE draw_id = old.draw_id AND task_ids = '[]'
        AND certificate_no IN (SELECT value FROM json_each(old.officers));
    INSERT INTO officer_tasks (certificate_no, draw_id, task_ids)
        SELECT value, new.draw_id, json_array(new.id) FROM json_each(new.officers) WHERE true
        ON CONFLICT (certificate_no, draw_id) DO UPDATE SET task_ids = json_insert(task_ids, '$[#]', new.id);
END;
CREATE TRIGGER officer_tasks_delete AFTER DELETE ON task BEGIN
    UPDATE officer_tasks SET task_ids =
        (SELECT json_group_array(j.value) FROM json_each(officer_tasks.task_ids) j WHERE j.value <> old.id)
        WHERE draw_id = old.draw_id AND certificate_no IN (SELECT value FROM json_each(old.officers));
    DELETE FROM officer_tasks WHERE draw_id = old.draw_id AND task_ids = '[]'
        AND certificate_no IN (SELECT value FROM json_each(old.officers));
END;
