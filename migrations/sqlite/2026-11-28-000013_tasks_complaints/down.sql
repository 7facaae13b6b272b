DROP TABLE complaints;
DROP TABLE tasks;
