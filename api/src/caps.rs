//! The daily caps on customer records read in detail and rows exported
//! (`domain::guard`): counted in the organisation's days, 429
//! `daily_cap_reached` naming the setting, `Retry-After` until the next day.

use chrono::{DateTime, Utc};
use domain::guard::{Counted, allowance};
use domain::vocabulary::FieldCode;
use persistence::{DbConn, guard, settings};

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode, FieldError};

fn reached(conn: &mut DbConn, what: Counted, cap: u32, now: DateTime<Utc>) -> Result<ApiError, ApiError> {
    let zone = settings::zone(conn)?;
    let tomorrow = domain::calendar::today(now, zone).succ_opt().unwrap_or_default();
    let wait = (domain::calendar::day_start(tomorrow, zone) - now).num_seconds();
    Ok(ApiError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::DailyCapReached,
        format!(
            "you reached today's cap of {cap} ({}); it resets at midnight, or an admin raises it in /settings/data-guard",
            what.setting()
        ),
    )
    .with_header(actix_web::http::header::RETRY_AFTER, wait.max(1).to_string())
    .with_errors(vec![FieldError::new(what.setting(), FieldCode::Cap, format!("{cap} a day"))]))
}

/// Counts one `what` for `user` today; 429 when that passes the cap (and
/// then nothing is counted: the caller's transaction rolls back).
pub fn take_one(conn: &mut DbConn, user: &AuthUser, what: Counted, now: DateTime<Utc>) -> Result<(), ApiError> {
    let Some(cap) = guard::caps(conn)?.cap(user.role, what) else {
        return Ok(());
    };
    let today = settings::today(conn, now)?;
    if guard::take(conn, user.id, today, what, 1)? > u64::from(cap) {
        return Err(reached(conn, what, cap, now)?);
    }
    Ok(())
}

/// The cap on `what` for `user`, or 429 when today's is used up already.
pub fn open(conn: &mut DbConn, user: &AuthUser, what: Counted, now: DateTime<Utc>) -> Result<Option<u32>, ApiError> {
    let Some(cap) = guard::caps(conn)?.cap(user.role, what) else {
        return Ok(None);
    };
    let today = settings::today(conn, now)?;
    if guard::used(conn, user.id, today, what)? >= u64::from(cap) {
        return Err(reached(conn, what, cap, now)?);
    }
    Ok(Some(cap))
}

/// Takes up to `wanted` of `what` for `user` today under `cap`; returns how many were allowed.
pub fn take_up_to(
    conn: &mut DbConn,
    user: &AuthUser,
    what: Counted,
    cap: u32,
    wanted: u64,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let today = settings::today(conn, now)?;
    let used = guard::used(conn, user.id, today, what)?;
    let allowed = allowance(Some(cap), used, wanted);
    if allowed > 0 {
        guard::take(conn, user.id, today, what, allowed)?;
    }
    Ok(allowed)
}
