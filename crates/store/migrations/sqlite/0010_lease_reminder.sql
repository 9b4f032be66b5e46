-- Leases: a job that must run on one server at a time (the deadline reminders) holds the lease
-- of its name until it expires; the holder renews it while it runs, another server takes it over
-- once it has expired.
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Deadline reminders written by the reminder job: one per agency, duty, period and state
-- (due soon, overdue), so that running the job again writes nothing twice.
CREATE TABLE reminder (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    duty TEXT NOT NULL,
    period TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL,
    UNIQUE (agency_id, duty, period, status)
);
