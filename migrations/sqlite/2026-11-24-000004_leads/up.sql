-- Leads (线索): capture from web forms and imports, assignment rules, first-contact SLA.
ALTER TABLE users ADD COLUMN max_open_leads INTEGER;

CREATE TABLE lead_forms (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL,
    name TEXT NOT NULL,
    -- JSON object: form field name -> lead field (person_name, company, phone, email, title, region, industry, notes)
    field_mapping TEXT NOT NULL,
    default_source TEXT,
    redirect_url TEXT,
    honeypot_field TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX lead_forms_public_key ON lead_forms (public_key);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    person_name TEXT,
    company TEXT,
    company_key TEXT,
    title TEXT,
    phone TEXT,
    phone_key TEXT,
    email TEXT,
    email_key TEXT,
    region TEXT,
    industry TEXT,
    source TEXT,
    form_id BIGINT REFERENCES lead_forms(id),
    raw_payload TEXT,
    notes TEXT,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'disqualified')),
    disqualify_reason TEXT,
    owner_id BIGINT REFERENCES users(id),
    assigned_at TIMESTAMP,
    assigned_by_rule BIGINT,
    first_contact_due_at TIMESTAMP,
    first_contacted_at TIMESTAMP,
    duplicate_of_lead_id BIGINT REFERENCES leads(id),
    duplicate_of_customer_id BIGINT REFERENCES customers(id),
    converted_customer_id BIGINT REFERENCES customers(id),
    converted_at TIMESTAMP,
    created_by BIGINT REFERENCES users(id),
    api_key_id BIGINT REFERENCES api_keys(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX leads_owner_status ON leads (owner_id, status, id);
CREATE INDEX leads_due ON leads (first_contact_due_at);
CREATE INDEX leads_updated ON leads (updated_at, id);
CREATE INDEX leads_phone_key ON leads (phone_key);
CREATE INDEX leads_email_key ON leads (email_key);
CREATE INDEX leads_company_key ON leads (company_key);

CREATE TABLE lead_rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    region TEXT,
    industry TEXT,
    source TEXT,
    target_user_id BIGINT REFERENCES users(id),
    target_department_id BIGINT REFERENCES departments(id),
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((target_user_id IS NULL) <> (target_department_id IS NULL))
);

-- where each department's round robin stands
CREATE TABLE assignment_cursors (
    department_id BIGINT PRIMARY KEY NOT NULL REFERENCES departments(id),
    last_user_id BIGINT NOT NULL
);

CREATE TABLE form_submissions (
    id INTEGER PRIMARY KEY,
    form_id BIGINT NOT NULL REFERENCES lead_forms(id),
    payload TEXT NOT NULL,
    client_address TEXT,
    outcome TEXT NOT NULL,
    lead_id BIGINT REFERENCES leads(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX form_submissions_form ON form_submissions (form_id, id);

-- 跟进记录: follow-ups on leads now, customers and deals later
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    lead_id BIGINT REFERENCES leads(id),
    customer_id BIGINT REFERENCES customers(id),
    kind TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'visit', 'wechat', 'note')),
    occurred_at TIMESTAMP NOT NULL,
    subject TEXT,
    content TEXT,
    outcome TEXT,
    next_action TEXT,
    next_action_at TIMESTAMP,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_lead ON activities (lead_id, occurred_at);
CREATE INDEX activities_customer ON activities (customer_id, occurred_at);
