//! The recycle bin and merges: soft delete, restore, and folding a duplicate
//! into the customer that stays, each one operation with its audit events.

use chrono::{DateTime, Utc};
use domain::scope::Access;
use serde_json::json;

use super::write::{CustomerWriteError, Result, Stored, existing, guarded, stored};
use crate::scope::Principal;
use crate::{DbConn, audit};

/// Moves a customer the actor may write to the recycle bin, if still at
/// `expected_version`.
pub fn delete(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    by.acting(conn, |conn, actor| {
        match super::find_visible(conn, id, actor.scope, false, now)? {
            Some((_, Access::Write)) => {}
            Some(_) => return Err(CustomerWriteError::ReadOnly),
            None => return Err(CustomerWriteError::NotFound),
        }
        super::set_deleted(conn, id, expected_version, Some(now), now)?;
        audit::record(conn, "customer", id, "deleted", Some(actor.user_id), "{}", now)?;
        Ok(())
    })
}

/// Brings a deleted customer back, unless a live customer took its name or
/// credit code meanwhile.
pub fn restore(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<Stored> {
    by.acting(conn, |conn, actor| {
        let row = match super::find_visible(conn, id, actor.scope, true, now)? {
            Some((row, Access::Write)) => row,
            Some(_) => return Err(CustomerWriteError::ReadOnly),
            None => return Err(CustomerWriteError::NotFound),
        };
        let (key, code) = (row.name_key.clone(), row.credit_code.clone());
        if let Some(e) = existing(conn, &key, code.as_deref(), Some(id))? {
            return Err(CustomerWriteError::Exists(Box::new(e)));
        }
        let row = guarded(conn, &key, code.as_deref(), Some(id), |c| {
            super::set_deleted(c, id, None, None, now)
        })?;
        audit::record(conn, "customer", id, "restored", Some(actor.user_id), "{}", now)?;
        stored(conn, row)
    })
}

/// Merges live customer `duplicate` into live customer `survivor` (an
/// admin's act): everything moves to the survivor, the duplicate remembers
/// where it went, and both audit trails say so.
pub fn merge_into(
    conn: &mut DbConn,
    actor_id: i64,
    survivor: i64,
    duplicate: i64,
    now: DateTime<Utc>,
) -> Result<Stored> {
    let live = |conn: &mut DbConn, id: i64| -> Result<Option<super::CustomerRow>> {
        Ok(super::find_visible(conn, id, &domain::scope::DataScope::All, false, now)?.map(|(row, _)| row))
    };
    let keep = live(conn, survivor)?.ok_or(CustomerWriteError::NotFound)?;
    let loser = live(conn, duplicate)?.ok_or(CustomerWriteError::NoSuchDuplicate(duplicate))?;
    let (key, code) = (keep.name_key.clone(), loser.credit_code.clone());
    let merged = guarded(conn, &key, code.as_deref(), Some(survivor), |c| {
        super::merge(c, &keep, &loser, now)
    })?;
    let detail = json!({"merged_from": loser.id, "name": loser.name, "owner_id": loser.owner_id}).to_string();
    audit::record(conn, "customer", survivor, "merged", Some(actor_id), &detail, now)?;
    let detail = json!({"merged_into": survivor}).to_string();
    audit::record(conn, "customer", loser.id, "merged_into", Some(actor_id), &detail, now)?;
    stored(conn, merged)
}
