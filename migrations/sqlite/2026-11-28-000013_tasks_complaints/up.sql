-- To-dos (待办) and appointments (约见), and customer complaints (客户投诉).
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('task', 'appointment')),
    title TEXT NOT NULL,
    notes TEXT,
    location TEXT,
    assignee_id BIGINT NOT NULL REFERENCES users(id),
    created_by BIGINT REFERENCES users(id),
    customer_id BIGINT REFERENCES customers(id),
    lead_id BIGINT REFERENCES leads(id),
    opportunity_id BIGINT REFERENCES opportunities(id),
    -- the follow-up whose next action made this task
    activity_id BIGINT REFERENCES activities(id),
    due_at TIMESTAMP,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    remind_minutes_before INTEGER,
    done_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX tasks_assignee_due ON tasks (assignee_id, done_at, due_at);
CREATE INDEX tasks_assignee_start ON tasks (assignee_id, starts_at);
CREATE INDEX tasks_customer ON tasks (customer_id);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contact_id BIGINT REFERENCES contacts(id),
    subject TEXT NOT NULL,
    content TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status TEXT NOT NULL CHECK (status IN ('open', 'handling', 'resolved', 'closed')),
    assignee_id BIGINT REFERENCES users(id),
    resolution TEXT,
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    created_by BIGINT REFERENCES users(id),
    handling_at TIMESTAMP,
    handling_by BIGINT REFERENCES users(id),
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users(id),
    closed_at TIMESTAMP,
    closed_by BIGINT REFERENCES users(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_customer ON complaints (customer_id, created_at);
CREATE INDEX complaints_assignee ON complaints (assignee_id, status);
