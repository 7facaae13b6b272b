DROP TABLE deal_milestones;
