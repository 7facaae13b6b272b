-- Each deal's stage history on one row, for the funnel: `path` holds its
-- stage changes as `to,from,changed_at,seconds_in_from`, joined by `;`
-- (the funnel sorts them by time). The year funnel over a million deals read
-- 3.3M rows of stage_changes, five columns each; decoding them cost more
-- than SQLite's scan. One row a deal, two columns, is a third of the rows
-- (sqlite3 shell, half of the deals: 0.05 s instead of 0.11 s to scan, and
-- a tenth of the columns to decode). stage_changes stays the record: the
-- triggers below keep the paths in step with it in the same transaction,
-- whoever writes it. A change stored is appended; a change edited or
-- deleted (the server does neither; tests and repairs may) rebuilds the
-- paths of its deals.
CREATE TABLE deal_paths (
    opportunity_id INTEGER PRIMARY KEY REFERENCES opportunities(id),
    path TEXT NOT NULL
);
INSERT INTO deal_paths (opportunity_id, path)
SELECT opportunity_id, group_concat(piece, ';')
FROM (
    SELECT opportunity_id,
           to_stage_id || ',' || coalesce(from_stage_id, '') || ',' || changed_at || ',' || seconds_in_from AS piece
    FROM stage_changes
    ORDER BY opportunity_id, changed_at, id
)
GROUP BY opportunity_id;
CREATE TRIGGER stage_changes_path AFTER INSERT ON stage_changes
BEGIN
    INSERT INTO deal_paths (opportunity_id, path)
    VALUES (
        NEW.opportunity_id,
        NEW.to_stage_id || ',' || coalesce(NEW.from_stage_id, '') || ',' || NEW.changed_at || ',' || NEW.seconds_in_from
    )
    ON CONFLICT (opportunity_id) DO UPDATE SET path = path || ';' || excluded.path;
END;
CREATE TRIGGER stage_changes_path_update AFTER UPDATE ON stage_changes
BEGIN
    DELETE FROM deal_paths WHERE opportunity_id IN (OLD.opportunity_id, NEW.opportunity_id);
    INSERT INTO deal_paths (opportunity_id, path)
    SELECT opportunity_id, group_concat(piece, ';')
    FROM (
        SELECT opportunity_id,
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
    INSERT INTO deal_paths (opportunity_id, path)
    SELECT opportunity_id, group_concat(piece, ';')
    FROM (
        SELECT opportunity_id,
               to_stage_id || ',' || coalesce(from_stage_id, '') || ',' || changed_at || ',' || seconds_in_from AS piece
        FROM stage_changes
        WHERE opportunity_id = OLD.opportunity_id
        ORDER BY changed_at, id
    )
    GROUP BY opportunity_id;
END;
