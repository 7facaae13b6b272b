DROP TRIGGER stage_changes_path ON stage_changes;
DROP FUNCTION stage_changes_path();
DROP TABLE deal_paths;
