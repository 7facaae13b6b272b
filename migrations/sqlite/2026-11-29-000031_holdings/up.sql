-- A customer's pool clock read from the index alone: the workbench's
-- "not contacted for N days" counts and "returns to the pool soon" list scan
-- one owner's live customers, and visited each row of the table for its
-- grade, owned-since and last contact (a rep with 20,000 customers among a
-- million: seven scans of ~37 ms, mostly page reads; ~2-4 ms each from this
-- index). It still serves "customers held per owner". `deleted_at` and
-- `merged_into`, always NULL here, are columns too: SQLite's planner counts an
-- index as covering only when it holds every column the query names, the
-- partial index's own condition included.
DROP INDEX customers_held;
CREATE INDEX customers_held ON customers (owner_id, grade, owned_since, last_contacted_at, locked, dealt, deleted_at, merged_into) WHERE deleted_at IS NULL AND merged_into IS NULL;
