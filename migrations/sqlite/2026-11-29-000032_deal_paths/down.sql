DROP TRIGGER stage_changes_path_delete;
DROP TRIGGER stage_changes_path_update;
DROP TRIGGER stage_changes_path;
DROP TABLE deal_paths;
