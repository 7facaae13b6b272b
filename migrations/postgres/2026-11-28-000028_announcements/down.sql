DROP INDEX tasks_due_unannounced;
DROP INDEX payment_plans_overdue_unannounced;
ALTER TABLE tasks DROP COLUMN due_announced_at;
ALTER TABLE payment_plans DROP COLUMN overdue_announced_at;
