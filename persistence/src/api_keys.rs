//! API keys for integrations: only a SHA-256 hash and a short display prefix are kept.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::api_keys;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKeyRow {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewApiKeyRow) -> Result<ApiKeyRow, RepoError> {
    let id: i64 = diesel::insert_into(api_keys::table)
        .values(new)
        .returning(api_keys::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<ApiKeyRow, RepoError> {
    Ok(api_keys::table.find(id).select(ApiKeyRow::as_select()).first(conn)?)
}

/// The live (not revoked) key with this hash.
pub fn find_live_by_hash(conn: &mut DbConn, key_hash: &str) -> Result<Option<ApiKeyRow>, RepoError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, include_revoked: bool) -> Result<Vec<ApiKeyRow>, RepoError> {
    let mut q = api_keys::table
        .select(ApiKeyRow::as_select())
        .order(api_keys::id.asc())
        .into_boxed();
    if !include_revoked {
        q = q.filter(api_keys::revoked_at.is_null());
    }
    Ok(q.load(conn)?)
}

/// Records use at most once a minute, so busy integrations do not write on every call.
pub fn touch(conn: &mut DbConn, row: &ApiKeyRow, now: DateTime<Utc>) -> Result<(), RepoError> {
    let stale = row
        .last_used_at
        .is_none_or(|t| now.naive_utc() - t >= chrono::Duration::minutes(1));
    if stale {
        diesel::update(api_keys::table.find(row.id))
            .set(api_keys::last_used_at.eq(naive(now)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn revoke(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<ApiKeyRow, RepoError> {
    let row = find(conn, id)?;
    if row.revoked_at.is_none() {
        diesel::update(api_keys::table.find(id))
            .set(api_keys::revoked_at.eq(naive(now)))
            .execute(conn)?;
    }
    find(conn, id)
}
