DROP TRIGGER activities_path;
DROP TRIGGER activities_path_update;
DROP TRIGGER activities_path_delete;
DROP TRIGGER stage_changes_path;
DROP TRIGGER stage_changes_path_update;
DROP TRIGGER stage_changes_path_delete;
DROP TRIGGER deal_path_rebuild;
DROP TABLE deal_path_rebuilds;
DELETE FROM deal_paths;
INSERT INTO deal_paths (opportunity_id, path, last_at)
SELECT opportunity_id, group_concat(piece, ';'), MAX(changed_at)
FROM (
    SELECT opportunity_id, changed_at,
           to_stage_id || ',' || coalesce(from_stage_id, '') || ',' || changed_at || ',' || seconds_in_from AS piece
    FROM stage_changes
    ORDER BY opportunity_id, changed_at, id
)
GROUP BY opportunity_id;
CREATE TRIGGER stage_changes_path AFTER INSERT ON stage_changes
BEGIN
    INSERT INTO deal_paths (opportunity_id, path, last_at)
    VALUES (
        NEW.opportunity_id,
        NEW.to_stage_id || ',' || coalesce(NEW.from_stage_id, '') || ',' || NEW.changed_at || ',' || NEW.seconds_in_from,
        NEW.changed_at
    )
    ON CONFLICT (opportunity_id) DO UPDATE SET path = path || ';' || excluded.path, last_at = max(last_at, excluded.last_at);
END;
CREATE TRIGGER stage_changes_path_update AFTER UPDATE ON stage_changes
BEGIN
    DELETE FROM deal_paths WHERE opportunity_id IN (OLD.opportunity_id, NEW.opportunity_id);
    INSERT INTO deal_paths (opportunity_id, path, last_at)
    SELECT opportunity_id, group_concat(piece, ';'), MAX(changed_at)
    FROM (
        SELECT opportunity_id, changed_at,
               to_stage_id || ',' || coalesce(from_stage_id, '') || ',' || changed_at || ',' || seconds_in_from AS piece
        FROM stage_changes
        WHERE opportunity_id IN (OLD.opportunity_id, NEW.opportunity_id)
        ORDER BY opportunity_id, changed_at, id
    )
    GROUP BY opportunity_id;
END;
CREATE TRIGGER stage_changes_path_delete AFTER DELETE ON stage_changes
BEGIN
    DELETE FROM deal_paths WHERE opportunity_id = OLD.opportunity_id;
    INSERT INTO deal_paths (opportunity_id, path, last_at)
    SELECT opportunity_id, group_concat(piece, ';'), MAX(changed_at)
    FROM (
        SELECT opportunity_id, changed_at,
               to_stage_id || ',' || coalesce(from_stage_id, '') || ',' || changed_at || ',' || seconds_in_from AS piece
        FROM stage_changes
        WHERE opportunity_id = OLD.opportunity_id
        ORDER BY changed_at, id
    )
    GROUP BY opportunity_id;
END;
