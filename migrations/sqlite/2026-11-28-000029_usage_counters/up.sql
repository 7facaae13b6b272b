-- What each user took today against the daily caps (customer records read
-- in detail, rows exported), counted in the organisation's days.
CREATE TABLE usage_counters (
    user_id BIGINT NOT NULL REFERENCES users(id),
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, kind)
);
