-- Commission plans (提成方案) and the approved, frozen monthly statements.
CREATE TABLE commission_plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    base TEXT NOT NULL CHECK (base IN ('contract_amount', 'collected_amount')),
    tiers TEXT NOT NULL,
    bonus_at_bp INTEGER,
    bonus_amount BIGINT,
    department_id BIGINT REFERENCES departments(id),
    user_id BIGINT REFERENCES users(id),
    valid_from DATE NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

-- A statement exists once its month is approved; until then it is computed.
-- settled: what the month has earned as paid so far (commission + bonus),
-- moved when a later month carries an adjustment for it.
CREATE TABLE commission_statements (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    month DATE NOT NULL,
    plan_id BIGINT REFERENCES commission_plans(id),
    body TEXT NOT NULL,
    total BIGINT NOT NULL,
    settled BIGINT NOT NULL,
    approved_by BIGINT REFERENCES users(id),
    approved_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX commission_statements_user_month ON commission_statements (user_id, month);
