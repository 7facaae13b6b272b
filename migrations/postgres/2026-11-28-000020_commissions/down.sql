DROP TABLE commission_statements;
DROP TABLE commission_plans;
