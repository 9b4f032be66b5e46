-- On-site inspections (附表1 污染源现场监察情况表, R-INSP-1 to R-INSP-5): the form of each task in
-- versions, its evidence, and the findings and measures taken from it at submission.

-- One version of a task's form. Status: 'draft', 'submitted', 'accepted', 'returned' (editable
-- again, same version) or 'superseded' (an accepted version replaced by an accepted correction).
-- A correction after acceptance is a new version; earlier versions are kept.
CREATE TABLE inspection (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES task(id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    -- The form as JSON; its SHA-256 is recorded when it is submitted.
    form TEXT NOT NULL,
    form_sha256 TEXT,
    -- Chosen by the client for each submission, so that a repeated submission records once.
    submission_key TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_comment TEXT,
    UNIQUE (task_id, version)
);
CREATE INDEX inspection_status ON inspection(status, task_id);

-- Photos, documents and drawn signatures of a form. The original file is kept unaltered; the
-- same file twice is stored once.
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    -- The check item it documents, or NULL for the whole form.
    item TEXT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    -- JPEG, at most 320 px on its longest side; images only.
    thumbnail BLOB,
    -- Local time and position reported by the device that took it.
    taken_at TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    signer TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    UNIQUE (inspection_id, sha256)
);

-- The findings and measures of a submitted form (R-INSP-3), so that reports count in SQL.
CREATE TABLE finding (
    id INTEGER PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    idx BIGINT NOT NULL,
    item TEXT,
    violation TEXT NOT NULL,
    order_to_correct TEXT,
    case_filed TEXT,
    UNIQUE (inspection_id, idx)
);

CREATE TABLE measure (
    id INTEGER PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    finding_index BIGINT NOT NULL,
    kind TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    document_no TEXT NOT NULL
);
CREATE INDEX measure_inspection ON measure(inspection_id, finding_index);
