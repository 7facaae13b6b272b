-- An in-progress idempotency record holds a lease that its request renews
-- while it runs; a record whose lease ran out (its server died) may be taken
-- over by a retry. NULL: a record from before leases, treated as expired.
ALTER TABLE idempotency_keys ADD COLUMN locked_until TIMESTAMP;
