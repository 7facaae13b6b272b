-- Competitors (#41 item 5): the admin's catalogue, the competitors in play
-- on each deal (their offer, our position), and whom a lost deal was lost
-- to. The win/loss report reads deals closed in a period by competitor.
CREATE TABLE competitors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    strengths TEXT,
    weaknesses TEXT,
    price_position TEXT CHECK (price_position IN ('lower', 'similar', 'higher')),
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX competitors_name ON competitors (name);
CREATE TABLE deal_competitors (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    competitor_id BIGINT NOT NULL REFERENCES competitors(id),
    offer_amount BIGINT,
    position TEXT NOT NULL CHECK (position IN ('ahead', 'even', 'behind')),
    note TEXT,
    added_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (opportunity_id, competitor_id)
);
CREATE INDEX deal_competitors_competitor ON deal_competitors (competitor_id, opportunity_id);
ALTER TABLE opportunities ADD COLUMN lost_to_competitor_id BIGINT REFERENCES competitors(id);
