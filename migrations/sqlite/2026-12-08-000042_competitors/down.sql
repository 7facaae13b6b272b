ALTER TABLE opportunities DROP COLUMN lost_to_competitor_id;
DROP TABLE deal_competitors;
DROP TABLE competitors;
