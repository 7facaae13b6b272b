//! Signing in, refreshing and signing out as operations. A sign-in has two:
//! the throttle check and account lookup (a read), then, after the password
//! was verified outside any transaction, the outcome recorded with the new
//! refresh token. The tokens themselves are made by the caller; only their
//! hashes are stored.

use chrono::{DateTime, Utc};
use domain::auth::{RefreshDecision, decide_refresh};
use domain::throttle::{self, Policy};

use crate::users::{self, UserRow};
use crate::{DbConn, RepoError, sessions};

/// The throttle counters a sign-in touches, with their policies
/// (`domain::throttle::keys`: a known device's own, or the pair, address
/// and account of an unknown client).
#[derive(Debug, Clone)]
pub struct ThrottleKeys(Vec<(String, Policy)>);

impl ThrottleKeys {
    pub fn new(email: &str, client: throttle::Client<'_>) -> ThrottleKeys {
        ThrottleKeys(throttle::keys(email, client))
    }
}

/// A refresh token to store: the hash of the token handed out, and its end.
#[derive(Debug, Clone)]
pub struct NewRefresh {
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// Whether a sign-in may try a password, and the account it names.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Too many failures: wait this long.
    Locked {
        retry_after_secs: i64,
    },
    Account(Option<UserRow>),
}

/// Checks the throttle counters, then finds the account by its (normalised) e-mail.
pub fn look_up(conn: &mut DbConn, keys: &ThrottleKeys, email: &str, now: DateTime<Utc>) -> Result<Lookup, RepoError> {
    for (key, _) in &keys.0 {
        if let Err(locked) = throttle::check(crate::throttle::get(conn, key)?.as_ref(), now) {
            return Ok(Lookup::Locked {
                retry_after_secs: locked.retry_after_secs,
            });
        }
    }
    Ok(Lookup::Account(users::find_by_email(conn, email)?))
}

/// How a sign-in ended.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// A wrong e-mail or password: counted against the client's keys.
    Refused,
    /// The right password of a deactivated account.
    Inactive,
    /// Signed in: the refresh token is stored in a new family.
    Done(UserRow),
}

/// Records a sign-in whose password check gave `verified` (the account, when
/// the password was right): a failure counts, a success clears the pair's and
/// the account's counters, notes the time and stores the refresh token.
pub fn record(
    conn: &mut DbConn,
    keys: &ThrottleKeys,
    verified: Option<UserRow>,
    family: &str,
    refresh: &NewRefresh,
    now: DateTime<Utc>,
) -> Result<SignIn, RepoError> {
    let Some(user) = verified else {
        for (key, policy) in &keys.0 {
            let next = throttle::record_failure(crate::throttle::get(conn, key)?, now, *policy);
            crate::throttle::put(conn, key, &next)?;
        }
        return Ok(SignIn::Refused);
    };
    if !user.active {
        return Ok(SignIn::Inactive);
    }
    // the right password clears the pair and the account's slow-down (or the device's count)
    for key in throttle::cleared_on_success(&keys.0) {
        crate::throttle::clear(conn, key)?;
    }
    users::touch_login(conn, user.id, now)?;
    sessions::insert(conn, user.id, family, &refresh.token_hash, refresh.expires_at, now)?;
    Ok(SignIn::Done(user))
}

/// How a refresh ended. Every refusal commits: a reused token revokes its
/// whole family even though the request fails.
#[derive(Debug, Clone)]
pub enum Refreshed {
    /// Rotated: the next token is stored in the same family.
    Done(UserRow),
    Unknown,
    /// Already used once: the family is revoked, as a stolen token would be.
    Reused,
    Revoked,
    Expired,
    /// The account was deactivated: the family is revoked.
    Inactive,
}

/// Exchanges the refresh token whose hash is `presented` for `next`.
pub fn rotate(
    conn: &mut DbConn,
    presented: &str,
    next: &NewRefresh,
    now: DateTime<Utc>,
) -> Result<Refreshed, RepoError> {
    let Some(row) = sessions::find_by_hash(conn, presented)? else {
        return Ok(Refreshed::Unknown);
    };
    match decide_refresh(row.facts(), now) {
        RefreshDecision::Rotate if sessions::mark_rotated(conn, row.id, now)? => {}
        RefreshDecision::Rotate | RefreshDecision::Reuse => {
            sessions::revoke_family(conn, &row.family, now)?;
            log::warn!("refresh token reuse for user {}: family revoked", row.user_id);
            return Ok(Refreshed::Reused);
        }
        RefreshDecision::Revoked => return Ok(Refreshed::Revoked),
        RefreshDecision::Expired => return Ok(Refreshed::Expired),
    }
    let user = users::find(conn, row.user_id)?;
    if !user.active {
        sessions::revoke_family(conn, &row.family, now)?;
        return Ok(Refreshed::Inactive);
    }
    sessions::insert(conn, user.id, &row.family, &next.token_hash, next.expires_at, now)?;
    Ok(Refreshed::Done(user))
}

/// Ends the sign-in the refresh token whose hash is `presented` belongs to
/// (every token of its family); an unknown token changes nothing.
pub fn sign_out(conn: &mut DbConn, presented: &str, now: DateTime<Utc>) -> Result<(), RepoError> {
    if let Some(row) = sessions::find_by_hash(conn, presented)? {
        sessions::revoke_family(conn, &row.family, now)?;
    }
    Ok(())
}
