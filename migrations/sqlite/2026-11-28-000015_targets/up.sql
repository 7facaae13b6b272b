-- Targets (业绩目标): one row per holder (company, department, user), per
-- month (0 holds the year), per metric and year. A plan is replaced whole.
CREATE TABLE targets (
    year INTEGER NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('contract_amount', 'payment_amount', 'new_customers')),
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('company', 'department', 'user')),
    holder_id BIGINT NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 0 AND 12),
    value BIGINT NOT NULL CHECK (value >= 0),
    PRIMARY KEY (year, metric, holder_kind, holder_id, month)
);
