-- Reports sent up the line (R-REP-1 monthly report, R-REP-2 quarterly pack): each submission
-- keeps the figures or files as sent, with their hash.
CREATE TABLE report_submission (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    content TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX report_submission_period ON report_submission(kind, period, agency_id);

-- Supervision (督查, R-SUP-1): a note the city records against an agency, followed up until closed.
CREATE TABLE supervision_note (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT
);
CREATE INDEX supervision_note_agency ON supervision_note(agency_id, status);

CREATE TABLE supervision_followup (
    id INTEGER PRIMARY KEY,
    note_id BIGINT NOT NULL REFERENCES supervision_note(id),
    body TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX supervision_followup_note ON supervision_followup(note_id);
