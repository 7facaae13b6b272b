DROP INDEX contracts_customer;
CREATE INDEX contracts_customer ON contracts (customer_id);
