DROP TABLE pool_events;
ALTER TABLE customers DROP COLUMN pool_reason;
ALTER TABLE customers DROP COLUMN pooled_at;
