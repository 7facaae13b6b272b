-- The case library (案例分享): won and lost deals written up as lessons,
-- one per deal, readable by the whole organisation.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('won', 'lost')),
    title TEXT NOT NULL,
    lesson TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX cases_one_per_deal ON cases (opportunity_id);
