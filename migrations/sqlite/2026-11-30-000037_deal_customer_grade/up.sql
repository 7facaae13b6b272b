-- The forecast sums the open deals per customer grade. At 1M deals it
-- looked up each open deal's customer for its grade (730,000 look-ups,
-- most of its time). The grade is now kept on the deal, in step with its
-- customer by the triggers below, in the same transaction whoever writes:
-- a deal stored or moved to another customer (a merge) takes its
-- customer's grade, a customer's new grade goes to its deals, and a write
-- of the copy itself is put right.
ALTER TABLE opportunities ADD COLUMN customer_grade TEXT NOT NULL DEFAULT 'B';
UPDATE opportunities
SET customer_grade = coalesce((SELECT grade FROM customers WHERE customers.id = opportunities.customer_id), 'B');
CREATE TRIGGER opportunities_grade AFTER INSERT ON opportunities
WHEN NEW.customer_grade IS NOT (SELECT grade FROM customers WHERE id = NEW.customer_id)
BEGIN
    UPDATE opportunities SET customer_grade = (SELECT grade FROM customers WHERE id = NEW.customer_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER opportunities_grade_update AFTER UPDATE OF customer_id, customer_grade ON opportunities
WHEN NEW.customer_grade IS NOT (SELECT grade FROM customers WHERE id = NEW.customer_id)
BEGIN
    UPDATE opportunities SET customer_grade = (SELECT grade FROM customers WHERE id = NEW.customer_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER customers_grade AFTER UPDATE OF grade ON customers
WHEN NEW.grade IS NOT OLD.grade
BEGIN
    UPDATE opportunities SET customer_grade = NEW.grade WHERE customer_id = NEW.id;
END;
-- The open deals by expected close date with all the forecast sums, read
-- from this index alone, in the order they are grouped in (with the stage
-- before the currency, SQLite sorted 730,000 rows in a temporary b-tree:
-- 0.41 s against 0.14 s in the sqlite3 shell). The owner and the customer
-- come last, for the report's scope and customer filters.
DROP INDEX opportunities_forecast;
CREATE INDEX opportunities_forecast ON opportunities (status, expected_close_date, customer_grade, currency, stage_id, amount, owner_id, customer_id);
