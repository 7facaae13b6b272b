DROP INDEX opportunities_forecast;
DROP TRIGGER customers_grade;
DROP TRIGGER opportunities_grade_update;
DROP TRIGGER opportunities_grade;
ALTER TABLE opportunities DROP COLUMN customer_grade;
CREATE INDEX opportunities_forecast ON opportunities (status, expected_close_date, customer_id, stage_id, currency, amount);
