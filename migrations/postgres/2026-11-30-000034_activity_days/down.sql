DROP TRIGGER activity_days_count ON activities;
DROP FUNCTION activity_days_count();
DROP TABLE activity_days;
