DROP TABLE custom_values;
DROP TABLE custom_field_defs;
ALTER TABLE dictionary_entries DROP CONSTRAINT dictionary_entries_kind_known;
DELETE FROM dictionary_entries WHERE kind NOT IN ('industry', 'source', 'region', 'size_band');
ALTER TABLE dictionary_entries ADD CONSTRAINT dictionary_entries_kind_check
    CHECK (kind IN ('industry', 'source', 'region', 'size_band'));
DROP TABLE dictionary_kinds;
