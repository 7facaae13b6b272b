DROP TABLE deal_checks;
DROP TABLE stage_checkpoints;
