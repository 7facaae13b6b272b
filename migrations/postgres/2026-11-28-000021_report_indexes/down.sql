DROP INDEX contracts_owner_signed;
DROP INDEX payments_owner;
DROP INDEX opportunities_owner_closed;
DROP INDEX customers_creator;
CREATE INDEX activities_author ON activities (created_by, occurred_at);
DROP INDEX activities_author_report;
