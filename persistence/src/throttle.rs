//! Stored login-throttle state, one row per account or client address.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::throttle::State;

use crate::schema::login_throttle;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
struct ThrottleRow {
    failures: i32,
    window_started_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
}

pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<State>, RepoError> {
    let row: Option<ThrottleRow> = login_throttle::table
        .find(key)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|r| State {
        failures: u32::try_from(r.failures).unwrap_or(0),
        window_started_at: r.window_started_at.and_utc(),
        locked_until: r.locked_until.map(|t| t.and_utc()),
    }))
}

/// Stores a key's state (update, else insert: portable across both backends).
pub fn put(conn: &mut DbConn, key: &str, state: &State) -> Result<(), RepoError> {
    let failures = i32::try_from(state.failures).unwrap_or(i32::MAX);
    let values = (
        login_throttle::failures.eq(failures),
        login_throttle::window_started_at.eq(naive(state.window_started_at)),
        login_throttle::locked_until.eq(state.locked_until.map(naive)),
    );
    let n = diesel::update(login_throttle::table.find(key))
        .set(values)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(login_throttle::table)
            .values((login_throttle::throttle_key.eq(key), values))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), RepoError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
