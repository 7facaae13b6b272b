DROP TABLE grade_changes;
