DROP TABLE dictionary_entries;
