-- When a task's due time and a payment plan's overdue day were announced
-- (task.due, payment.overdue events), so each is announced once. What was
-- already past when this arrived is marked, not announced late.
ALTER TABLE tasks ADD COLUMN due_announced_at TIMESTAMP;
ALTER TABLE payment_plans ADD COLUMN overdue_announced_at TIMESTAMP;
UPDATE tasks SET due_announced_at = CURRENT_TIMESTAMP WHERE due_at IS NOT NULL AND due_at < CURRENT_TIMESTAMP;
UPDATE payment_plans SET overdue_announced_at = CURRENT_TIMESTAMP WHERE due_on < CURRENT_DATE;
CREATE INDEX tasks_due_unannounced ON tasks (due_at) WHERE due_announced_at IS NULL AND done_at IS NULL;
CREATE INDEX payment_plans_overdue_unannounced ON payment_plans (due_on) WHERE overdue_announced_at IS NULL;
