//! The daily caps' counters and settings (see `domain::guard`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::guard::{Counted, GuardSettings};

use crate::schema::usage_counters as u;
use crate::{DbConn, RepoError, audit, settings};

/// What `user` took of `what` on `day`.
pub fn used(conn: &mut DbConn, user: i64, day: NaiveDate, what: Counted) -> Result<u64, RepoError> {
    let n: Option<i64> = u::table
        .find((user, day, what.as_str()))
        .select(u::used)
        .first(conn)
        .optional()?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Adds `n` to what `user` took of `what` on `day` (one atomic upsert, so
/// concurrent requests cannot both slip under the cap); returns the new total.
pub fn take(conn: &mut DbConn, user: i64, day: NaiveDate, what: Counted, n: u64) -> Result<u64, RepoError> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let row = (
        u::user_id.eq(user),
        u::day.eq(day),
        u::kind.eq(what.as_str()),
        u::used.eq(n),
    );
    let total: i64 = match conn {
        DbConn::Pg(c) => diesel::insert_into(u::table)
            .values(row)
            .on_conflict((u::user_id, u::day, u::kind))
            .do_update()
            .set(u::used.eq(u::used + excluded(u::used)))
            .returning(u::used)
            .get_result(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(u::table)
            .values(row)
            .on_conflict((u::user_id, u::day, u::kind))
            .do_update()
            .set(u::used.eq(u::used + excluded(u::used)))
            .returning(u::used)
            .get_result(c)?,
    };
    Ok(u64::try_from(total).unwrap_or(0))
}

const SETTINGS: &str = "data_guard";

/// The organisation's caps, or the defaults.
pub fn caps(conn: &mut DbConn) -> Result<GuardSettings, RepoError> {
    match settings::get(conn, SETTINGS)? {
        None => Ok(GuardSettings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored data-guard settings are unreadable: {e}"))),
    }
}

/// Saves the caps, with an audit entry naming the admin.
pub fn set_caps(conn: &mut DbConn, s: &GuardSettings, actor: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    let json = serde_json::to_string(s).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    settings::put(conn, SETTINGS, &json)?;
    audit::record(conn, "settings", 0, "data_guard_changed", Some(actor), &json, now)
}
