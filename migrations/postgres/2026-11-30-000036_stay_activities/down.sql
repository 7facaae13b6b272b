DROP TRIGGER activities_path ON activities;
DROP FUNCTION activities_path();
CREATE OR REPLACE FUNCTION stage_changes_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO deal_paths (opportunity_id, path, last_at)
        VALUES (
            NEW.opportunity_id,
            NEW.to_stage_id::text || ',' || coalesce(NEW.from_stage_id::text, '') || ','
                || to_char(NEW.changed_at, 'YYYY-MM-DD HH24:MI:SS.US') || ',' || NEW.seconds_in_from::text,
            NEW.changed_at
        )
        ON CONFLICT (opportunity_id) DO UPDATE
        SET path = deal_paths.path || ';' || EXCLUDED.path, last_at = GREATEST(deal_paths.last_at, EXCLUDED.last_at);
        RETURN NULL;
    END IF;
    -- an edit or a delete: the paths of the deals it touched, rebuilt
    DELETE FROM deal_paths
    WHERE opportunity_id = OLD.opportunity_id
       OR (TG_OP = 'UPDATE' AND opportunity_id = NEW.opportunity_id);
    INSERT INTO deal_paths (opportunity_id, path, last_at)
    SELECT opportunity_id,
           string_agg(
               to_stage_id::text || ',' || coalesce(from_stage_id::text, '') || ','
                   || to_char(changed_at, 'YYYY-MM-DD HH24:MI:SS.US') || ',' || seconds_in_from::text,
               ';' ORDER BY changed_at, id),
           MAX(changed_at)
    FROM stage_changes
    WHERE opportunity_id = OLD.opportunity_id
       OR (TG_OP = 'UPDATE' AND opportunity_id = NEW.opportunity_id)
    GROUP BY opportunity_id;
    RETURN NULL;
END
$$;
DROP FUNCTION deal_path_rebuild(BIGINT[]);
TRUNCATE deal_paths;
INSERT INTO deal_paths (opportunity_id, path, last_at)
SELECT opportunity_id,
       string_agg(
           to_stage_id::text || ',' || coalesce(from_stage_id::text, '') || ','
               || to_char(changed_at, 'YYYY-MM-DD HH24:MI:SS.US') || ',' || seconds_in_from::text,
           ';' ORDER BY changed_at, id),
       MAX(changed_at)
FROM stage_changes
GROUP BY opportunity_id;
