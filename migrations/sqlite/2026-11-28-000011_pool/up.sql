-- The public pool (公海): when and why a customer entered it, and the
-- pool's history (returns by the sweep, releases, claims, warnings), which
-- the daily claim cap and the cool-down read.
ALTER TABLE customers ADD COLUMN pooled_at TIMESTAMP;
ALTER TABLE customers ADD COLUMN pool_reason TEXT;

CREATE TABLE pool_events (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    -- returned (by the sweep), released (by a person), claimed, warned
    kind TEXT NOT NULL CHECK (kind IN ('returned', 'released', 'claimed', 'warned')),
    -- the owner who lost, claimed or was warned
    user_id BIGINT REFERENCES users(id),
    actor_id BIGINT REFERENCES users(id),
    reason TEXT,
    -- for a warning: when the customer returns unless followed up
    due_at TIMESTAMP,
    at TIMESTAMP NOT NULL
);
CREATE INDEX pool_events_user ON pool_events (user_id, kind, at);
CREATE INDEX pool_events_customer ON pool_events (customer_id, kind, at);
