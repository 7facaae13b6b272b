DROP INDEX activities_opportunity;
ALTER TABLE activities DROP COLUMN opportunity_id;
