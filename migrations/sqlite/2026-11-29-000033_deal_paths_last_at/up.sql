-- When each deal's stage last changed, beside its path: a funnel over a
-- month reads only the paths of deals that moved since the month began,
-- not every deal's whole history (years of it on an older database). The
-- triggers of migration 032 are replaced by ones that keep it too.
ALTER TABLE deal_paths ADD COLUMN last_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE deal_paths
SET last_at = (SELECT MAX(changed_at) FROM stage_changes WHERE stage_changes.opportunity_id = deal_paths.opportunity_id);
DROP TRIGGER stage_changes_path;
DROP TRIGGER stage_changes_path_update;
DROP TRIGGER stage_changes_path_delete;
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
