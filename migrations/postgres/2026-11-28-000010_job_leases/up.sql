-- Leases of timed jobs: several server processes on one database run each
-- job once per period; the node holding an unexpired lease runs it.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    locked_until TIMESTAMP NOT NULL
);
