-- Milestones of a deal (#41 item 7): dated steps with an owner and a done
-- date; the owner's open ones past their date are reminders.
CREATE TABLE deal_milestones (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    kind TEXT NOT NULL CHECK (kind IN ('demo', 'proposal', 'trial', 'tender', 'signing', 'other')),
    title TEXT NOT NULL,
    due_on DATE NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    done_on DATE,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_milestones_opportunity ON deal_milestones (opportunity_id, due_on);
CREATE INDEX deal_milestones_open ON deal_milestones (owner_id, due_on) WHERE done_on IS NULL;
