-- Coaching a deal (#41 item 2): the rep's status analyses (目前状况分析),
-- each kept with the stage it was written in, and the thread of comments
-- between rep and manager.
CREATE TABLE deal_analyses (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    stage_id BIGINT NOT NULL REFERENCES stages(id),
    situation TEXT NOT NULL,
    next_step TEXT,
    next_step_on DATE,
    risks TEXT,
    help_wanted TEXT,
    written_by BIGINT NOT NULL REFERENCES users(id),
    written_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_analyses_opportunity ON deal_analyses (opportunity_id, id);
CREATE TABLE deal_comments (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deal_comments_opportunity ON deal_comments (opportunity_id, id);
