-- Contracts (合同), payment plans (回款计划) and payments (回款). Owner and
-- department are recorded on contracts and payments as they were, so
-- targets attribute actuals to who held them at the time.
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    opportunity_id BIGINT REFERENCES opportunities(id),
    title TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    signed_on DATE NOT NULL,
    starts_on DATE,
    ends_on DATE,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    department_id BIGINT REFERENCES departments(id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'cancelled')),
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES users(id),
    decision_note TEXT,
    cancelled_at TIMESTAMP,
    created_by BIGINT REFERENCES users(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX contracts_number ON contracts (number);
CREATE INDEX contracts_customer ON contracts (customer_id);
CREATE INDEX contracts_owner ON contracts (owner_id, status);
CREATE INDEX contracts_signed ON contracts (status, signed_on);

CREATE TABLE payment_plans (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    due_on DATE NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_plans_contract ON payment_plans (contract_id, position);
CREATE INDEX payment_plans_due ON payment_plans (due_on);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    plan_id BIGINT REFERENCES payment_plans(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    received_on DATE NOT NULL,
    method TEXT,
    reference TEXT,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    department_id BIGINT REFERENCES departments(id),
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_contract ON payments (contract_id);
CREATE INDEX payments_received ON payments (received_on);

-- When a customer was first won, and by whom (targets count new customers).
CREATE TABLE customer_wins (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id),
    won_on DATE NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    department_id BIGINT REFERENCES departments(id),
    contract_id BIGINT REFERENCES contracts(id)
);
CREATE INDEX customer_wins_won ON customer_wins (won_on);
