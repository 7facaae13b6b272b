DROP TABLE deal_judgements;
ALTER TABLE opportunities DROP COLUMN forecast_category;
ALTER TABLE opportunities DROP COLUMN rep_probability;
