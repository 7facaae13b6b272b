DROP INDEX stage_changes_changed_at;
DROP INDEX opportunities_pipeline_closed;
ALTER TABLE stages DROP COLUMN target_conversion_bp;
