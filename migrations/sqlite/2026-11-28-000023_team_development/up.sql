-- Team development (seeds 000, 003, 004): onboarding and training records,
-- and mentoring (老带新) whose joint visits are counted from activities.
CREATE TABLE training_records (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('onboarding', 'training')),
    course TEXT NOT NULL,
    held_on DATE NOT NULL,
    result TEXT,
    score INTEGER CHECK (score BETWEEN 0 AND 100),
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX training_records_user ON training_records (user_id, held_on);

CREATE TABLE mentorships (
    id INTEGER PRIMARY KEY,
    mentor_id BIGINT NOT NULL REFERENCES users(id),
    mentee_id BIGINT NOT NULL REFERENCES users(id),
    started_on DATE NOT NULL,
    ended_on DATE,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK (mentor_id <> mentee_id)
);
-- one running mentorship per new rep
CREATE UNIQUE INDEX mentorships_one_open ON mentorships (mentee_id) WHERE ended_on IS NULL;
CREATE INDEX mentorships_mentor ON mentorships (mentor_id);
