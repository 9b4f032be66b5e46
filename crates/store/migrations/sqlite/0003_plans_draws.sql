-- Plans, fair draws and their tasks (R-DRAW).

CREATE TABLE plan (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    rule TEXT NOT NULL,
    team_size BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (agency_id, kind, period)
);

-- One attempt at a plan's draw: the frozen input, then the public randomness, then the result.
CREATE TABLE draw_record (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plan(id),
    attempt BIGINT NOT NULL,
    label TEXT NOT NULL,
    input TEXT NOT NULL,
    population_sha256 TEXT NOT NULL,
    officers_sha256 TEXT NOT NULL,
    conflicts_sha256 TEXT NOT NULL,
    frozen_at TEXT NOT NULL,
    frozen_by TEXT NOT NULL,
    randomness TEXT,
    witnesses TEXT,
    seeded_at TEXT,
    seeded_by TEXT,
    output TEXT,
    result_sha256 TEXT,
    executed_at TEXT,
    executed_by TEXT,
    UNIQUE (plan_id, attempt)
);

CREATE TABLE task (
    id INTEGER PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES draw_record(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    officers TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (draw_id, firm_id)
);
CREATE INDEX task_agency ON task(agency_id, status, due_on);
CREATE INDEX task_firm ON task(firm_id);
