DROP INDEX customers_held;
CREATE INDEX customers_held ON customers (owner_id) WHERE deleted_at IS NULL AND merged_into IS NULL;
