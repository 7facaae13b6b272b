-- The conversion a stage should reach (basis points); the funnel report flags
-- a stage whose cohort conversion falls below it.
ALTER TABLE stages ADD COLUMN target_conversion_bp INTEGER CHECK (target_conversion_bp BETWEEN 0 AND 10000);
-- Reports read deals by pipeline and close time, and stage history by time.
CREATE INDEX opportunities_pipeline_closed ON opportunities (pipeline_id, closed_at);
CREATE INDEX stage_changes_changed_at ON stage_changes (changed_at, opportunity_id);
