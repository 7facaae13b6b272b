-- Two counts the rankings and the process KPIs make per rep and period,
-- answered from an index alone. New customers (first wins) in a year at
-- 1M customers: with only the index on won_on, 135,000 rows were looked
-- up for their owner (116-164 ms in the sqlite3 shell). Customers created
-- in a month: each of 83,000 rows was looked up for deleted_at (120 ms).
CREATE INDEX customer_wins_owner ON customer_wins (owner_id, won_on);
DROP INDEX customers_creator;
CREATE INDEX customers_creator ON customers (created_by, created_at, deleted_at);
