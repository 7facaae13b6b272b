-- The rep's own judgement of a deal (#41 item 1): their win probability
-- (NULL: the stage's applies) and forecast category (NULL: pipeline), and
-- every change of either, with who, when and why.
ALTER TABLE opportunities ADD COLUMN rep_probability INTEGER CHECK (rep_probability BETWEEN 0 AND 100);
ALTER TABLE opportunities ADD COLUMN forecast_category TEXT
    CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'omitted'));
CREATE TABLE deal_judgements (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_at TIMESTAMP NOT NULL,
    probability_before INTEGER,
    probability INTEGER,
    category_before TEXT,
    category TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX deal_judgements_opportunity ON deal_judgements (opportunity_id, id);
