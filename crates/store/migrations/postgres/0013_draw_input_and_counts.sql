-- A draw's frozen input moves to a table of its own, and its sizes are kept beside the record:
-- at a province's size the input is tens of megabytes of JSON, which the plan page, the
-- compliance table and the seed step read only to count it (the same schema as SQLite's,
-- which wrote the input again with every change of the record's row).
ALTER TABLE draw_record ADD COLUMN unit_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN officer_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN conflict_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN drawn_count BIGINT;
UPDATE draw_record SET
    unit_count = json_array_length(input::json -> 'population'),
    officer_count = json_array_length(input::json -> 'officers'),
    conflict_count = json_array_length(input::json -> 'conflicts'),
    drawn_count = (output::json ->> 'count')::bigint;
CREATE TABLE draw_input (
    draw_id BIGINT PRIMARY KEY REFERENCES draw_record(id),
    input TEXT NOT NULL,
    -- The firm ids of the population's units, in its order (a JSON array): the firms the draw
    -- dispatches to. Not part of the input anyone verifies; none for records frozen before.
    unit_ids TEXT
);
INSERT INTO draw_input (draw_id, input) SELECT id, input FROM draw_record;
ALTER TABLE draw_record DROP COLUMN input;

-- The input and the result are compressed with lz4 where the server has it (PostgreSQL's
-- default, pglz, took 1.1 s of a province's freeze to compress its 55 MB input; lz4 about
-- 0.15 s). A server built without lz4, or older than PostgreSQL 14 (no SET COMPRESSION),
-- keeps pglz.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE draw_input ALTER COLUMN input SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE draw_record ALTER COLUMN output SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END $$;
