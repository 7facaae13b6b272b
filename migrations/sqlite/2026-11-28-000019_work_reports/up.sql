-- Work reports (日报/周报/月报): the objective part is built from the records
-- and frozen when the report is submitted; the rep adds their own words.
CREATE TABLE work_reports (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    department_id BIGINT REFERENCES departments(id),
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly')),
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    figures TEXT,
    summary TEXT,
    problems TEXT,
    plan TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX work_reports_one_per_period ON work_reports (user_id, kind, period_start);
CREATE INDEX work_reports_period ON work_reports (kind, period_start, status);

CREATE TABLE work_report_comments (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES work_reports(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX work_report_comments_report ON work_report_comments (report_id, id);
