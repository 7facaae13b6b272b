DROP TABLE deal_comments;
DROP TABLE deal_analyses;
