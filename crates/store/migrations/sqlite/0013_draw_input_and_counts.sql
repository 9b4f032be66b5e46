-- A draw's frozen input moves to a table of its own, and its sizes are kept beside the record:
-- at a province's size the input is tens of megabytes of JSON, which SQLite wrote again with
-- every change of the record's row (the randomness, the result: 0.3 s each) and which the plan
-- page, the compliance table and the seed step read only to count it.
ALTER TABLE draw_record ADD COLUMN unit_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN officer_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN conflict_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE draw_record ADD COLUMN drawn_count BIGINT;
UPDATE draw_record SET
    unit_count = json_array_length(input, '$.population'),
    officer_count = json_array_length(input, '$.officers'),
    conflict_count = json_array_length(input, '$.conflicts'),
    drawn_count = json_extract(output, '$.count');
CREATE TABLE draw_input (
    draw_id INTEGER PRIMARY KEY REFERENCES draw_record(id),
    input TEXT NOT NULL,
    -- The firm ids of the population's units, in its order (a JSON array): the firms the draw
    -- dispatches to. Not part of the input anyone verifies; none for records frozen before.
    unit_ids TEXT
);
INSERT INTO draw_input (draw_id, input) SELECT id, input FROM draw_record;
ALTER TABLE draw_record DROP COLUMN input;
