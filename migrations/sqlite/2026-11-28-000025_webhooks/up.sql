-- Business events (the outbox): written in the transaction of the change, so
-- a rolled-back write leaves none and a committed one always has its event.
-- Feed kinds are always stored; the others only when a subscription wants them.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    owner_id BIGINT,
    department_id BIGINT,
    actor_id BIGINT,
    summary TEXT NOT NULL,
    data TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX events_by_department ON events (department_id, id);
CREATE INDEX events_by_owner ON events (owner_id, id);

-- Webhook subscriptions: a signed JSON POST, or a WeCom / DingTalk group robot.
CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('http', 'wecom', 'dingtalk')),
    url TEXT NOT NULL,
    secret TEXT,
    events TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    owner_id BIGINT REFERENCES users(id),
    active BOOLEAN NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One delivery per event and subscription; a node leases it while sending.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES events(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_token TEXT,
    lease_until TIMESTAMP,
    last_status INTEGER,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);

-- Every attempt: when, the answer's status, how long it took, what it said.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    latency_ms BIGINT NOT NULL,
    response_excerpt TEXT,
    error TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- How far each user has read the change feed.
CREATE TABLE notification_reads (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    last_read_id BIGINT NOT NULL
);
