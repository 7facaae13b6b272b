DROP TABLE mentorships;
DROP TABLE training_records;
