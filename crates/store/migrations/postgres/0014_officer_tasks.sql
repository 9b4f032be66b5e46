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
);
INSERT INTO officer_tasks (certificate_no, draw_id, task_ids)
    SELECT o.certificate_no, t.draw_id, json_agg(t.id ORDER BY t.id)::text
    FROM task_officer o JOIN task t ON t.id = o.task_id
    GROUP BY o.certificate_no, t.draw_id;
DROP TRIGGER task_officer_insert ON task;
DROP TRIGGER task_officer_update ON task;
DROP TRIGGER task_officer_delete ON task;
DROP FUNCTION task_officer_inserted();
DROP FUNCTION task_officer_updated();
DROP FUNCTION task_officer_deleted();
DROP TABLE task_officer;

-- A task's team changed (a reassignment) or the task went: its id leaves the lists of its old
-- officers and joins those of its new ones. Row by row: a team changes one task at a time. The
-- rows of both teams are locked first, in certificate order, so that two reassignments that
-- swap officers between their tasks wait for each other instead of deadlocking.
CREATE FUNCTION officer_tasks_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_team TEXT := '[]';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        new_team := NEW.officers;
    END IF;
    PERFORM 1 FROM officer_tasks o
        WHERE o.draw_id = OLD.draw_id
          AND o.certificate_no IN (
              SELECT json_array_elements_text(OLD.officers::json)
              UNION
              SELECT json_array_elements_text(new_team::json))
        ORDER BY o.certificate_no
        FOR UPDATE;
    UPDATE officer_tasks o SET task_ids = (
            SELECT COALESCE(json_agg(j.id::bigint), '[]'::json)::text
            FROM json_array_elements_text(o.task_ids::json) AS j(id) WHERE j.id::bigint <> OLD.id)
        WHERE o.draw_id = OLD.draw_id
          AND o.certificate_no IN (SELECT json_array_elements_text(OLD.officers::json));
    DELETE FROM officer_tasks WHERE draw_id = OLD.draw_id AND task_ids = '[]'
        AND certificate_no IN (SELECT json_array_elements_text(OLD.officers::json));
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO officer_tasks (certificate_no, draw_id, task_ids)
            SELECT j.c, NEW.draw_id, json_build_array(NEW.id)::text
            FROM json_array_elements_text(NEW.officers::json) AS j(c)
            ON CONFLICT (certificate_no, draw_id) DO UPDATE
                SET task_ids = (officer_tasks.task_ids::jsonb || excluded.task_ids::jsonb)::text;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER officer_tasks_update AFTER UPDATE OF officers ON task FOR EACH ROW
    WHEN (OLD.officers IS DISTINCT FROM NEW.officers) EXECUTE FUNCTION officer_tasks_kept();
CREATE TRIGGER officer_tasks_delete AFTER DELETE ON task FOR EACH ROW
    EXECUTE FUNCTION officer_tasks_kept();
