DROP TABLE custom_values;
DROP TABLE custom_field_defs;
CREATE TABLE dictionary_entries_old (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('industry', 'source', 'region', 'size_band')),
    code TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO dictionary_entries_old SELECT * FROM dictionary_entries
    WHERE kind IN ('industry', 'source', 'region', 'size_band');
DROP TABLE dictionary_entries;
ALTER TABLE dictionary_entries_old RENAME TO dictionary_entries;
CREATE UNIQUE INDEX dictionary_entries_kind_code ON dictionary_entries (kind, code);
DROP TABLE dictionary_kinds;
