-- The dynamic information database (R-LIST): history of every record, the other-problems list,
-- filings, special supervision sources, pending imports, and text search on firm names.

ALTER TABLE project ADD COLUMN developer TEXT;

CREATE TABLE key_problem (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    quarter TEXT NOT NULL,
    summary TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (firm_id, quarter, summary)
);
CREATE INDEX key_problem_agency ON key_problem(agency_id, quarter);

-- Every version of every registry record, so that a list can be shown as it stood at any moment
-- (R-LIST: "every draw uses the list as it stood at the moment of the draw").
CREATE TABLE record_version (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    version BIGINT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    data TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    UNIQUE (kind, record_id, version)
);
CREATE INDEX record_version_as_of ON record_version(kind, agency_id, valid_from);
CREATE INDEX record_version_current ON record_version(kind, agency_id, record_id) WHERE valid_to IS NULL;
CREATE INDEX record_version_record ON record_version(kind, record_id) WHERE valid_to IS NULL;

-- Filing (报备) of a list for a period with the city detachment.
CREATE TABLE list_filing (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    list_kind TEXT NOT NULL,
    period TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL
);
CREATE INDEX list_filing_period ON list_filing(list_kind, period, agency_id);

-- Special supervision sources (特殊监管源, R-DRAW-SPC-1): a firm named by a penalty case, a
-- prominent complaint or a key problem of a quarter, until its rectification is confirmed
-- (R-DRAW-SPC-3).
CREATE TABLE special_source (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    reason_kind TEXT NOT NULL,
    reason_id BIGINT NOT NULL,
    since_quarter TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    rectified_at TEXT,
    rectified_by TEXT,
    evidence TEXT,
    UNIQUE (reason_kind, reason_id)
);
CREATE INDEX special_source_firm ON special_source(firm_id, status);
CREATE INDEX special_source_agency ON special_source(agency_id, status);

-- An uploaded list waiting to be applied after its preview (kept in the database so that any app
-- server can apply it).
CREATE TABLE import_upload (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    list_kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    content_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX firm_name ON firm(name);
CREATE INDEX firm_agency_status ON firm(agency_id, status, id);
CREATE INDEX officer_certified ON officer(agency_id, on_duty, certified_until);

-- Substring search on firm names and addresses (Chinese has no spaces: trigrams).
CREATE VIRTUAL TABLE firm_fts USING fts5(name, address, content='firm', content_rowid='id', tokenize='trigram');
INSERT INTO firm_fts(rowid, name, address) SELECT id, name, address FROM firm;
CREATE TRIGGER firm_fts_insert AFTER INSERT ON firm BEGIN
    INSERT INTO firm_fts(rowid, name, address) VALUES (new.id, new.name, new.address);
END;
CREATE TRIGGER firm_fts_delete AFTER DELETE ON firm BEGIN
    INSERT INTO firm_fts(firm_fts, rowid, name, address) VALUES ('delete', old.id, old.name, old.address);
END;
CREATE TRIGGER firm_fts_update AFTER UPDATE OF name, address ON firm BEGIN
    INSERT INTO firm_fts(firm_fts, rowid, name, address) VALUES ('delete', old.id, old.name, old.address);
    INSERT INTO firm_fts(rowid, name, address) VALUES (new.id, new.name, new.address);
END;
