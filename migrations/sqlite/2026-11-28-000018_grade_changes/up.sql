-- Grade changes (e.g. B/C -> A) as facts, with the owner at the time, for the
-- process KPIs; the audit trail is not read for figures.
CREATE TABLE grade_changes (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    from_grade TEXT NOT NULL,
    to_grade TEXT NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    changed_by BIGINT REFERENCES users(id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX grade_changes_owner ON grade_changes (owner_id, changed_at);
