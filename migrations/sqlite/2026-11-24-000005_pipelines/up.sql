-- Pipelines (销售流程), stages with entry rules, opportunities (商机) and their stage history.
CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    allow_skip BOOLEAN NOT NULL DEFAULT 0,
    allow_back BOOLEAN NOT NULL DEFAULT 1,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX pipelines_name ON pipelines (name);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    -- space-separated: amount expected_close_date contact_id
    required_fields TEXT NOT NULL DEFAULT '',
    stale_after_days INTEGER
);
CREATE INDEX stages_pipeline ON stages (pipeline_id, position);

CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contact_id BIGINT REFERENCES contacts(id),
    pipeline_id BIGINT NOT NULL REFERENCES pipelines(id),
    stage_id BIGINT NOT NULL REFERENCES stages(id),
    title TEXT NOT NULL,
    amount BIGINT CHECK (amount >= 0),
    currency TEXT NOT NULL DEFAULT 'CNY',
    expected_close_date DATE,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'invalid')),
    lost_reason TEXT,
    lost_at_stage_id BIGINT REFERENCES stages(id),
    stage_entered_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX opportunities_owner ON opportunities (owner_id, status, id);
CREATE INDEX opportunities_customer ON opportunities (customer_id);
CREATE INDEX opportunities_stage ON opportunities (stage_id, stage_entered_at);
CREATE INDEX opportunities_close ON opportunities (expected_close_date);

CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    from_stage_id BIGINT REFERENCES stages(id),
    to_stage_id BIGINT NOT NULL REFERENCES stages(id),
    changed_by BIGINT REFERENCES users(id),
    changed_at TIMESTAMP NOT NULL,
    seconds_in_from BIGINT NOT NULL
);
CREATE INDEX stage_changes_opportunity ON stage_changes (opportunity_id, id);

-- the default funnel from the seeds
INSERT INTO pipelines (id, name, allow_skip, allow_back, is_default, created_at, updated_at)
VALUES (1, '标准销售流程', 0, 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
INSERT INTO stages (pipeline_id, name, position, probability, kind, required_fields, stale_after_days) VALUES
    (1, '初次沟通', 10, 10, 'open', '', 14),
    (1, '了解需求', 20, 20, 'open', '', 14),
    (1, '方案制定', 30, 40, 'open', 'amount expected_close_date', 21),
    (1, '商务谈判', 40, 60, 'open', 'amount expected_close_date', 21),
    (1, '合同签订', 50, 80, 'open', 'amount expected_close_date', 14),
    (1, '赢单', 60, 100, 'won', 'amount', NULL),
    (1, '输单', 70, 0, 'lost', '', NULL);
