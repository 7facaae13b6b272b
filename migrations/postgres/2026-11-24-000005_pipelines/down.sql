DROP TABLE stage_changes;
DROP TABLE opportunities;
DROP TABLE stages;
DROP TABLE pipelines;
