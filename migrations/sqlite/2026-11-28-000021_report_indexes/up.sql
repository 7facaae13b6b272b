-- Covering indexes for the per-rep reports (rankings, KPIs, work reports):
-- each answers from the index alone instead of visiting millions of rows.
CREATE INDEX activities_author_report ON activities (created_by, occurred_at, kind, deleted_at, key_person_met, customer_id);
DROP INDEX activities_author;
CREATE INDEX customers_creator ON customers (created_by, created_at);
CREATE INDEX opportunities_owner_closed ON opportunities (owner_id, closed_at, status);
CREATE INDEX payments_owner ON payments (owner_id, received_on, amount);
CREATE INDEX contracts_owner_signed ON contracts (owner_id, signed_on, status, amount);
