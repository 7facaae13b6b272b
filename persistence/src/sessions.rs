//! Refresh tokens: stored as SHA-256 hashes, grouped in families that are
//! revoked together (logout, reuse of a rotated token, deactivation).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::refresh_tokens;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub token_hash: String,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl RefreshRow {
    pub fn facts(&self) -> domain::auth::RefreshFacts {
        domain::auth::RefreshFacts {
            expires_at: self.expires_at.and_utc(),
            rotated_at: self.rotated_at.map(|t| t.and_utc()),
            revoked_at: self.revoked_at.map(|t| t.and_utc()),
        }
    }
}

pub fn insert(
    conn: &mut DbConn,
    user_id: i64,
    family: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(family),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(naive(expires_at)),
            refresh_tokens::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<RefreshRow>, RepoError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token rotated if nobody did first; `false` means a concurrent
/// request used it already (treated as reuse by the caller).
pub fn mark_rotated(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(naive(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(conn: &mut DbConn, family: &str, now: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(naive(now)))
    .execute(conn)?)
}

/// Ends every session of a user: their refresh tokens are revoked and their
/// token version moves on, so access tokens already issued are refused too.
pub fn revoke_user(conn: &mut DbConn, user_id: i64, now: DateTime<Utc>) -> Result<usize, RepoError> {
    diesel::update(crate::schema::users::table.find(user_id))
        .set(crate::schema::users::token_version.eq(crate::schema::users::token_version + 1))
        .execute(conn)?;
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(naive(now)))
    .execute(conn)?)
}
