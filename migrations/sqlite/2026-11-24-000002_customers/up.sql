-- Customers (客户), their contacts (联系人), tags, team members, and the audit trail.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- normalised name: unique among live customers (no two reps on one company)
    name_key TEXT NOT NULL,
    -- name_key reversed, so names sharing an ending are found by an index prefix scan
    name_key_rev TEXT NOT NULL,
    credit_code TEXT,
    industry TEXT,
    region TEXT,
    size_band TEXT,
    source TEXT,
    grade TEXT NOT NULL DEFAULT 'B' CHECK (grade IN ('A', 'B', 'C')),
    owner_id BIGINT REFERENCES users(id),
    previous_owner_id BIGINT REFERENCES users(id),
    owned_since TIMESTAMP,
    locked BOOLEAN NOT NULL DEFAULT 0,
    dealt BOOLEAN NOT NULL DEFAULT 0,
    website TEXT,
    phone TEXT,
    phone_key TEXT,
    email TEXT,
    email_key TEXT,
    address TEXT,
    notes TEXT,
    last_contacted_at TIMESTAMP,
    next_follow_up_at TIMESTAMP,
    merged_into BIGINT REFERENCES customers(id),
    created_by BIGINT REFERENCES users(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX customers_name_key_live ON customers (name_key) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX customers_credit_code_live ON customers (credit_code) WHERE credit_code IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX customers_name_key_rev ON customers (name_key_rev);
CREATE INDEX customers_owner ON customers (owner_id, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_phone_key ON customers (phone_key);
CREATE INDEX customers_email_key ON customers (email_key);
CREATE INDEX customers_deleted ON customers (deleted_at, id);

CREATE TABLE customer_tags (
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);

CREATE TABLE customer_members (
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    access TEXT NOT NULL CHECK (access IN ('read_write', 'read_only')),
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX customer_members_user ON customer_members (user_id, customer_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    title TEXT,
    phone TEXT,
    phone_key TEXT,
    email TEXT,
    email_key TEXT,
    wechat TEXT,
    kp_role TEXT NOT NULL DEFAULT 'other'
        CHECK (kp_role IN ('decision_maker', 'recommender', 'influencer', 'user', 'other')),
    is_primary BOOLEAN NOT NULL DEFAULT 0,
    preferred_channel TEXT,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX contacts_customer ON contacts (customer_id, id);
CREATE INDEX contacts_phone_key ON contacts (phone_key);
CREATE INDEX contacts_email_key ON contacts (email_key);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    detail TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, id);
