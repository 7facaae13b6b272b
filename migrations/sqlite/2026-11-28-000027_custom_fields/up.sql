-- Custom fields an admin defines per kind of record, and their values: one
-- row per stored cell (text: text, ISO dates, booleans, each chosen option,
-- a money's currency; number: numbers and a money's minor units), so
-- equality and range filters are plain indexed SQL.
CREATE TABLE custom_field_defs (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL CHECK (entity IN ('customer', 'contact', 'lead', 'opportunity', 'contract')),
    field_key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'number', 'money', 'date', 'select', 'multi_select', 'boolean')),
    required BOOLEAN NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX custom_field_defs_key ON custom_field_defs (entity, field_key);

CREATE TABLE custom_values (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    field_id BIGINT NOT NULL REFERENCES custom_field_defs(id),
    text_value TEXT,
    number_value REAL
);
CREATE INDEX custom_values_by_record ON custom_values (entity, record_id);
CREATE INDEX custom_values_by_text ON custom_values (field_id, text_value);
CREATE INDEX custom_values_by_number ON custom_values (field_id, number_value);

-- Picklist kinds: the four built in, and any an admin adds.
CREATE TABLE dictionary_kinds (
    kind TEXT PRIMARY KEY NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    builtin BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO dictionary_kinds (kind, label_zh, label_en, builtin) VALUES
    ('industry', '行业', 'Industry', 1),
    ('source', '来源', 'Source', 1),
    ('region', '地区', 'Region', 1),
    ('size_band', '规模', 'Size band', 1);

-- the kind of an entry is any known kind, no longer a fixed CHECK list
CREATE TABLE dictionary_entries_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL REFERENCES dictionary_kinds(kind),
    code TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO dictionary_entries_new (id, kind, code, label_zh, label_en, position, active, version)
    SELECT id, kind, code, label_zh, label_en, position, active, version FROM dictionary_entries;
DROP TABLE dictionary_entries;
ALTER TABLE dictionary_entries_new RENAME TO dictionary_entries;
CREATE UNIQUE INDEX dictionary_entries_kind_code ON dictionary_entries (kind, code);
