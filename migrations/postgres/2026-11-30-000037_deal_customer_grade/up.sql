-- The forecast sums the open deals per customer grade. At 1M deals it
-- joined each open deal's customer for its grade (hashing all the
-- customers). The grade is now kept on the deal, in step with its customer
-- by the triggers below, in the same transaction whoever writes: a deal
-- stored or moved to another customer (a merge) takes its customer's
-- grade, a customer's new grade goes to its deals, and a write of the copy
-- itself is put right.
ALTER TABLE opportunities ADD COLUMN customer_grade TEXT;
UPDATE opportunities o SET customer_grade = c.grade FROM customers c WHERE c.id = o.customer_id;
UPDATE opportunities SET customer_grade = 'B' WHERE customer_grade IS NULL;
ALTER TABLE opportunities ALTER COLUMN customer_grade SET NOT NULL;
-- The customer's row is read FOR SHARE: a grade being changed by another
-- transaction is waited for and then read as committed, and a grade change
-- waits for this deal's transaction, whose deal its own update then sees.
CREATE FUNCTION opportunities_grade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_grade := (SELECT grade FROM customers WHERE id = NEW.customer_id FOR SHARE);
    RETURN NEW;
END
$$;
CREATE TRIGGER opportunities_grade
    BEFORE INSERT OR UPDATE OF customer_id, customer_grade ON opportunities
    FOR EACH ROW EXECUTE FUNCTION opportunities_grade();
CREATE FUNCTION customers_grade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE opportunities SET customer_grade = NEW.grade
    WHERE customer_id = NEW.id AND customer_grade IS DISTINCT FROM NEW.grade;
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_grade
    AFTER UPDATE OF grade ON customers
    FOR EACH ROW WHEN (OLD.grade IS DISTINCT FROM NEW.grade) EXECUTE FUNCTION customers_grade();
-- The open deals by expected close date with all the forecast sums, read
-- from this index alone, in the order they are grouped in (with the stage
-- before the currency, SQLite sorted 730,000 rows in a temporary b-tree:
-- 0.41 s against 0.14 s in the sqlite3 shell). The owner and the customer
-- come last, for the report's scope and customer filters.
DROP INDEX opportunities_forecast;
CREATE INDEX opportunities_forecast ON opportunities (status, expected_close_date, customer_grade, currency, stage_id, amount, owner_id, customer_id);
