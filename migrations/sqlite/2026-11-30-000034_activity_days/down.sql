DROP TRIGGER activity_days_update;
DROP TRIGGER activity_days_delete;
DROP TRIGGER activity_days_insert;
DROP TABLE activity_days;
