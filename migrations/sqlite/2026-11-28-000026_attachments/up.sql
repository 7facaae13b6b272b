-- Files attached to customers, deals and contracts. The bytes live in the
-- blob store (local disk under the data directory by default) under
-- `storage_key`; the row says what and whose they are.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    attached_to TEXT NOT NULL CHECK (attached_to IN ('customer', 'opportunity', 'contract')),
    record_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    uploaded_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_by_record ON attachments (attached_to, record_id, id);
