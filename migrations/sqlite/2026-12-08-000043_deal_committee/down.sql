ALTER TABLE stages DROP COLUMN needs_decision_maker;
DROP TABLE deal_contacts;
