//! Stored responses of POST requests sent with an `Idempotency-Key`, so a
//! retried request replays the first answer instead of acting twice.
//!
//! A request that is still running holds a lease on its record (`locked_until`)
//! and renews it while it runs. When its server dies (kill -9, power loss) the
//! lease runs out and a retry takes the record over, so a crash never leaves a
//! key refused for the rest of its life.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{DbConn, RepoError, naive};

/// A finished response, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    /// `name: value` lines of the headers worth replaying.
    pub headers: String,
}

/// What to do with an incoming request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time: run it, then `complete` (or `abandon`) this record.
    Fresh(i64),
    /// Seen and finished: send the stored response.
    Replay(StoredResponse),
    /// The first request with this key is still running (its lease is live).
    InProgress,
    /// The key was used for a different request (method, path or body).
    Mismatch,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    id: i64,
    request_hash: String,
    status: Option<i32>,
    response_body: Option<String>,
    response_headers: Option<String>,
    expires_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
}

pub struct Request<'a> {
    pub caller: &'a str,
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// Hash of method, path and body.
    pub request_hash: &'a str,
}

/// Claims the key for this request, or says how it was used before. The unique
/// index on (caller, key) decides between two concurrent first requests; a
/// conditional update decides between two retries taking over a dead claim.
pub fn begin(
    conn: &mut DbConn,
    req: &Request<'_>,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
    lease: chrono::Duration,
) -> Result<Begin, RepoError> {
    for _ in 0..2 {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::caller.eq(req.caller),
                idempotency_keys::idem_key.eq(req.key),
                idempotency_keys::method.eq(req.method),
                idempotency_keys::path.eq(req.path),
                idempotency_keys::request_hash.eq(req.request_hash),
                idempotency_keys::created_at.eq(naive(now)),
                idempotency_keys::expires_at.eq(naive(now + ttl)),
                idempotency_keys::locked_until.eq(naive(now + lease)),
            ))
            .returning(idempotency_keys::id)
            .get_result::<i64>(conn);
        match inserted.map_err(RepoError::from) {
            Ok(id) => return Ok(Begin::Fresh(id)),
            Err(RepoError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
        let Some(row) = idempotency_keys::table
            .filter(idempotency_keys::caller.eq(req.caller))
            .filter(idempotency_keys::idem_key.eq(req.key))
            .select(KeyRow::as_select())
            .first(conn)
            .optional()?
        else {
            continue; // deleted meanwhile (abandoned): try to claim it again
        };
        if row.expires_at <= naive(now) {
            diesel::delete(idempotency_keys::table.find(row.id)).execute(conn)?;
            continue;
        }
        if row.request_hash != req.request_hash {
            return Ok(Begin::Mismatch);
        }
        return match (row.status, row.response_body) {
            (Some(status), Some(body)) => Ok(Begin::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                body,
                headers: row.response_headers.unwrap_or_default(),
            })),
            _ if row.locked_until.is_some_and(|t| t > naive(now)) => Ok(Begin::InProgress),
            _ => take_over(conn, row.id, now, lease),
        };
    }
    Ok(Begin::InProgress)
}

/// Takes an in-progress record whose lease ran out (its request died with its
/// server). Only one of several racing retries wins the conditional update.
fn take_over(conn: &mut DbConn, id: i64, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Begin, RepoError> {
    let n = diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::id.eq(id))
            .filter(idempotency_keys::status.is_null())
            .filter(
                idempotency_keys::locked_until
                    .is_null()
                    .or(idempotency_keys::locked_until.le(naive(now))),
            ),
    )
    .set(idempotency_keys::locked_until.eq(naive(now + lease)))
    .execute(conn)?;
    Ok(if n == 1 { Begin::Fresh(id) } else { Begin::InProgress })
}

/// Extends the lease of a running request; called while it runs.
pub fn renew(conn: &mut DbConn, id: i64, now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), RepoError> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::id.eq(id))
            .filter(idempotency_keys::status.is_null()),
    )
    .set(idempotency_keys::locked_until.eq(naive(now + lease)))
    .execute(conn)?;
    Ok(())
}

pub fn complete(conn: &mut DbConn, id: i64, response: &StoredResponse) -> Result<(), RepoError> {
    diesel::update(idempotency_keys::table.find(id))
        .set((
            idempotency_keys::status.eq(i32::from(response.status)),
            idempotency_keys::response_body.eq(&response.body),
            idempotency_keys::response_headers.eq(&response.headers),
            idempotency_keys::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a claim whose request failed on our side, so the client may retry.
pub fn abandon(conn: &mut DbConn, id: i64) -> Result<(), RepoError> {
    diesel::delete(idempotency_keys::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn purge_expired(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(naive(now)))).execute(conn)?)
}
