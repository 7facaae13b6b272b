-- Activities (跟进记录) as their own resource: the person met, duration,
-- colleagues on a joint visit (陪同拜访), the effectiveness of a visit
-- (key person met, purpose, the customer's intent and buying power), and
-- change times for mobile sync (updated since, deleted ids).
ALTER TABLE activities ADD COLUMN contact_id BIGINT REFERENCES contacts(id);
ALTER TABLE activities ADD COLUMN duration_minutes INTEGER;
ALTER TABLE activities ADD COLUMN key_person_met BOOLEAN;
ALTER TABLE activities ADD COLUMN visit_purpose TEXT;
ALTER TABLE activities ADD COLUMN intent TEXT CHECK (intent IN ('high', 'medium', 'low'));
ALTER TABLE activities ADD COLUMN buying_power TEXT CHECK (buying_power IN ('high', 'medium', 'low'));
ALTER TABLE activities ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE activities ADD COLUMN deleted_at TIMESTAMP;
UPDATE activities SET updated_at = created_at;

CREATE TABLE activity_companions (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX activity_companions_user ON activity_companions (user_id);
CREATE INDEX activities_author ON activities (created_by, occurred_at);
CREATE INDEX activities_updated ON activities (updated_at, id);
CREATE INDEX activities_deleted ON activities (deleted_at, id);
