-- Foundation: agencies, accounts, sessions, API tokens, the audit log, and the registry lists
-- that the demo fills (officers, firms, projects, complaints, penalty cases).
-- Times are written by the application (never database defaults) so both backends agree.

CREATE TABLE agency (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES agency(id),
    kind TEXT NOT NULL,
    division_code TEXT NOT NULL,
    -- Materialised path of codes from the root, e.g. '650100/650102/': a jurisdiction is a prefix.
    path TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX agency_parent ON agency(parent_id);

CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until TEXT,
    active BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_account ON session(account_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- The head of the audit chain: one row, updated in the same transaction as each appended event,
-- so concurrent writers take turns and truncating the log is detected.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE officer (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    name TEXT NOT NULL,
    certificate_no TEXT NOT NULL UNIQUE,
    certified_until TEXT NOT NULL,
    on_duty BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX officer_agency ON officer(agency_id, name);

CREATE TABLE firm (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    division_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    category TEXT NOT NULL,
    key_directory_year BIGINT,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX firm_agency ON firm(agency_id, category, id);

CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT REFERENCES firm(id),
    name TEXT NOT NULL,
    approval_level TEXT NOT NULL,
    approval_no TEXT NOT NULL UNIQUE,
    approval_date TEXT NOT NULL,
    eia_form TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX project_agency ON project(agency_id);

CREATE TABLE complaint (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    quarter TEXT NOT NULL,
    times_received BIGINT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (firm_id, quarter, summary)
);
CREATE INDEX complaint_agency ON complaint(agency_id, quarter);

CREATE TABLE penalty_case (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    decision_no TEXT NOT NULL UNIQUE,
    decided_on TEXT NOT NULL,
    violation TEXT NOT NULL,
    measures TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX penalty_case_agency ON penalty_case(agency_id, decided_on);
