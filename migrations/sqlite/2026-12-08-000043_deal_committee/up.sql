-- The buying committee (#41 item 4): the customer's contacts on a deal with
-- their role in it and their stance, and the stage from which a deal must
-- have a decision maker identified (the first stage marked, by position).
CREATE TABLE deal_contacts (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    role TEXT NOT NULL CHECK (role IN ('decision_maker', 'recommender', 'influencer', 'user', 'gatekeeper')),
    stance TEXT NOT NULL CHECK (stance IN ('supporter', 'neutral', 'opponent')),
    note TEXT,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (opportunity_id, contact_id)
);
ALTER TABLE stages ADD COLUMN needs_decision_maker BOOLEAN NOT NULL DEFAULT FALSE;
