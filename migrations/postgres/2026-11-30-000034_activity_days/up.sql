-- How many activities each author logged of each kind on each UTC day, for
-- the rankings and the process KPIs. A year's ranking counted 4.75M rows of
-- activities at 1M customers; it now sums the whole UTC days of its period
-- here (50 reps x 365 days x the kinds) and counts only the activities of
-- its two partial days at the edges, so any organisation time zone,
-- quarter-hour offsets included, gets exact counts. Only live activities
-- with an author count (deleted_at IS NULL, created_by set), as in the
-- reports. activities stays the record: the trigger below keeps the counts
-- in step with it in the same transaction, whoever writes it (a row
-- logged, edited, deleted, restored or removed).
CREATE TABLE activity_days (
    created_by BIGINT NOT NULL,
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (created_by, day, kind)
);
INSERT INTO activity_days (created_by, day, kind, n)
SELECT created_by, occurred_at::date, kind, COUNT(*)
FROM activities
WHERE deleted_at IS NULL AND created_by IS NOT NULL
GROUP BY created_by, occurred_at::date, kind;
CREATE FUNCTION activity_days_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.deleted_at IS NULL AND OLD.created_by IS NOT NULL THEN
            UPDATE activity_days SET n = n - 1
            WHERE created_by = OLD.created_by AND day = OLD.occurred_at::date AND kind = OLD.kind;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.deleted_at IS NULL AND NEW.created_by IS NOT NULL THEN
            INSERT INTO activity_days (created_by, day, kind, n)
            VALUES (NEW.created_by, NEW.occurred_at::date, NEW.kind, 1)
            ON CONFLICT (created_by, day, kind) DO UPDATE SET n = activity_days.n + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER activity_days_count
    AFTER INSERT OR DELETE OR UPDATE OF created_by, occurred_at, kind, deleted_at ON activities
    FOR EACH ROW EXECUTE FUNCTION activity_days_count();
