//! Leases for timed jobs (the hourly sweeps): several `crm serve` processes on
//! one database each try to take a job's lease when their timer fires; the
//! one that gets it runs the job, the others skip that period. Taking a lease
//! is a conditional UPDATE (or the first INSERT), each atomic on its own, so
//! two nodes never both hold an unexpired lease.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::job_leases;
use crate::{DbConn, RepoError, naive};

/// Takes the lease of `job` for `holder` until `now + ttl` if it is free,
/// expired, or already `holder`'s. Run it outside a transaction.
pub fn acquire(
    conn: &mut DbConn,
    job: &str,
    holder: &str,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let until = naive(now + ttl);
    let taken = diesel::update(
        job_leases::table.filter(job_leases::name.eq(job)).filter(
            job_leases::locked_until
                .le(naive(now))
                .or(job_leases::holder.eq(holder)),
        ),
    )
    .set((job_leases::holder.eq(holder), job_leases::locked_until.eq(until)))
    .execute(conn)?;
    if taken == 1 {
        return Ok(true);
    }
    let inserted = diesel::insert_into(job_leases::table)
        .values((
            job_leases::name.eq(job),
            job_leases::holder.eq(holder),
            job_leases::locked_until.eq(until),
        ))
        .execute(conn);
    match inserted.map_err(RepoError::from) {
        Ok(_) => Ok(true),
        // another node holds it (or took it first just now)
        Err(RepoError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
