-- Public disclosure of a quarter (公示, R-REP-3): the quarter's checks and how they were handled,
-- and the full records of the quarter's draws, as published. A publication is never changed: an
-- amendment is the next version, with a note saying why, and the earlier versions stay public.
CREATE TABLE disclosure (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    quarter TEXT NOT NULL,
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT,
    UNIQUE (agency_id, quarter, version)
);
CREATE INDEX disclosure_published_at ON disclosure(published_at);
