-- The enforcement officer an account belongs to, for "my tasks".
ALTER TABLE account ADD COLUMN officer_id BIGINT REFERENCES officer(id);
