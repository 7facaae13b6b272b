-- Follow-ups on a deal: they keep it from going stale.
ALTER TABLE activities ADD COLUMN opportunity_id BIGINT REFERENCES opportunities(id);
CREATE INDEX activities_opportunity ON activities (opportunity_id, occurred_at);
