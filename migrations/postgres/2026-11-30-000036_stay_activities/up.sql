-- Each step of a deal's path (migration 032) gains a fifth field: how many
-- live activities were logged on the deal during the stay that step began
-- (from its change to the deal's next one, or on). The funnel's close rate
-- by negotiation rounds counts the activities in the negotiation stage's
-- stays: a year over a million deals looked them up deal by deal. Now they
-- are summed from the paths it reads anyway. A path is rebuilt whole
-- whenever a stage change or an activity of its deal is written, in the
-- same transaction, whoever writes. stage_changes and activities stay the
-- record.
--
-- deal_path_rebuild(ids) first locks the deals' rows (FOR NO KEY UPDATE, in
-- id order): two transactions writing activities of one deal at once
-- rebuild its path one after the other, and the second one's statements,
-- run after the first commits, count the first one's activity too. (The
-- foreign keys' KEY SHARE locks do not conflict with it.)
CREATE FUNCTION deal_path_rebuild(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM opportunities WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM deal_paths d
    WHERE d.opportunity_id = ANY(ids)
      AND NOT EXISTS (SELECT 1 FROM stage_changes s WHERE s.opportunity_id = d.opportunity_id);
    INSERT INTO deal_paths (opportunity_id, path, last_at)
    SELECT c.opportunity_id,
           string_agg(
               c.to_stage_id::text || ',' || coalesce(c.from_stage_id::text, '') || ','
                   || to_char(c.changed_at, 'YYYY-MM-DD HH24:MI:SS.US') || ',' || c.seconds_in_from::text || ','
                   || (SELECT COUNT(*) FROM activities a
                       WHERE a.opportunity_id = c.opportunity_id AND a.deleted_at IS NULL
                         AND a.occurred_at >= c.changed_at AND (c.next_at IS NULL OR a.occurred_at < c.next_at))::text,
               ';' ORDER BY c.changed_at, c.id),
           MAX(c.changed_at)
    FROM (
        SELECT s.*, lead(s.changed_at) OVER (PARTITION BY s.opportunity_id ORDER BY s.changed_at, s.id) AS next_at
        FROM stage_changes s
        WHERE s.opportunity_id = ANY(ids)
    ) c
    GROUP BY c.opportunity_id
    ON CONFLICT (opportunity_id) DO UPDATE SET path = EXCLUDED.path, last_at = EXCLUDED.last_at;
END
$$;
CREATE OR REPLACE FUNCTION stage_changes_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM deal_path_rebuild(ARRAY[NEW.opportunity_id]);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM deal_path_rebuild(ARRAY[OLD.opportunity_id, NEW.opportunity_id]);
    ELSE
        PERFORM deal_path_rebuild(ARRAY[OLD.opportunity_id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION activities_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.opportunity_id];
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY[OLD.opportunity_id, NEW.opportunity_id];
    ELSE
        ids := ARRAY[OLD.opportunity_id];
    END IF;
    ids := array_remove(ids, NULL);
    IF cardinality(ids) > 0 THEN
        PERFORM deal_path_rebuild(ids);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER activities_path AFTER INSERT OR UPDATE OF opportunity_id, occurred_at, deleted_at OR DELETE ON activities
FOR EACH ROW EXECUTE FUNCTION activities_path();
TRUNCATE deal_paths;
SELECT deal_path_rebuild(ARRAY(SELECT DISTINCT opportunity_id FROM stage_changes));
