DROP INDEX customers_creator;
CREATE INDEX customers_creator ON customers (created_by, created_at);
DROP INDEX customer_wins_owner;
