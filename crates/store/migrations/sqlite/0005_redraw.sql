-- Redraws are never silent: a new attempt names the one it replaces, why, and who approved it.
ALTER TABLE draw_record ADD COLUMN redraw_of BIGINT REFERENCES draw_record(id);
ALTER TABLE draw_record ADD COLUMN redraw_reason TEXT;
ALTER TABLE draw_record ADD COLUMN approved_by TEXT;
