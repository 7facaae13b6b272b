-- When each deal's stage last changed, beside its path: a funnel over a
-- month reads only the paths of deals that moved since the month began,
-- not every deal's whole history (years of it on an older database). The
-- trigger function of migration 032 is replaced by one that keeps it too.
ALTER TABLE deal_paths ADD COLUMN last_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE deal_paths p
SET last_at = s.last_at
FROM (SELECT opportunity_id, MAX(changed_at) AS last_at FROM stage_changes GROUP BY opportunity_id) s
WHERE s.opportunity_id = p.opportunity_id;
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
