-- Recognition and penalties (奖惩): recorded by a manager for a rep and a
-- month, shown on the rep's commission statement and in rankings.
CREATE TABLE awards (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('award', 'penalty')),
    reason TEXT NOT NULL,
    month DATE NOT NULL,
    amount BIGINT CHECK (amount >= 0),
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX awards_user_month ON awards (user_id, month);
