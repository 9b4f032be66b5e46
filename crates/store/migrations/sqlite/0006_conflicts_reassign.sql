-- Declared conflicts of interest (回避, R-DRAW-2R): an officer who must not inspect a firm. Every
-- draw frozen while the declaration stands carries the pair among its conflicts.
CREATE TABLE conflict_declaration (
    id INTEGER PRIMARY KEY,
    officer_id BIGINT NOT NULL REFERENCES officer(id),
    firm_id BIGINT NOT NULL REFERENCES firm(id),
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TEXT
);
CREATE INDEX conflict_declaration_firm ON conflict_declaration(firm_id);
CREATE INDEX conflict_declaration_officer ON conflict_declaration(officer_id);

-- A task handed from one officer to another (a sick officer): the replacement is drawn at
-- random among the eligible officers, and the reason, candidates and draw are kept.
CREATE TABLE task_reassignment (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES task(id),
    officer_out TEXT NOT NULL,
    officer_in TEXT NOT NULL,
    reason TEXT NOT NULL,
    candidates TEXT NOT NULL,
    random_value TEXT NOT NULL,
    reassigned_by TEXT NOT NULL,
    reassigned_at TEXT NOT NULL
);
CREATE INDEX task_reassignment_task ON task_reassignment(task_id);
