//! The public pool (公海) as business operations: its settings, claiming a
//! pool customer, releasing one, locking one, and the sweep (in `sweep`).
//! Each runs in the caller's transaction; the rules are `domain::pool`.
//!
//! Limits per person (owned, locked, daily claims) are read and enforced
//! after taking a row lock on that person's user row, so two concurrent
//! claims by one rep cannot both squeeze under the same limit; the claim
//! itself is a conditional update, so two reps cannot both win one customer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::pool::{ClaimRefusal, Claimant, PoolEntry, PoolPolicy};
use domain::scope::{Access, DataScope};
use serde_json::json;

use crate::customers::{self, CustomerRow, Stored};
use crate::schema::{customers as c, pool_events, users};
use crate::scope::{Actor, Principal};
use crate::{DbConn, RepoError, audit, naive, settings};

mod sweep;

pub use sweep::{Returned, SweepReport, Warned, returning_soon, sweep};

const SETTING: &str = "pool";

/// The organisation's pool rules (the defaults until an admin saves some).
pub fn policy(conn: &mut DbConn) -> std::result::Result<PoolPolicy, RepoError> {
    match settings::get(conn, SETTING)? {
        None => Ok(PoolPolicy::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored pool settings are unreadable: {e}"))),
    }
}

/// Saves the pool rules (already checked by `PoolPolicy::check`), with an
/// audit event naming the admin.
pub fn set_policy(
    conn: &mut DbConn,
    policy: &PoolPolicy,
    actor: i64,
    now: DateTime<Utc>,
) -> std::result::Result<(), RepoError> {
    let json = serde_json::to_string(policy).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    settings::put(conn, SETTING, &json)?;
    audit::record(conn, "settings", 0, "pool_settings_changed", Some(actor), &json, now)
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The changed rules break `PoolPolicy::check`, each naming its field.
    #[error("the pool settings are inconsistent")]
    Invalid(Vec<domain::pool::SettingError>),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for PolicyError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use PolicyError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::Invalid(errors) => Refused::fields(
                errors
                    .into_iter()
                    .map(|e| domain::problem::FieldError::new(e.field, FieldCode::Range, e.message))
                    .collect(),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Reads the pool rules, applies `change`, checks and saves the result
/// (audited, naming the admin) in one transaction; answers the new rules.
pub fn change_policy(
    conn: &mut DbConn,
    change: impl FnOnce(PoolPolicy) -> PoolPolicy,
    actor: i64,
    now: DateTime<Utc>,
) -> std::result::Result<PoolPolicy, PolicyError> {
    let policy = change(policy(conn)?);
    policy.check().map_err(PolicyError::Invalid)?;
    set_policy(conn, &policy, actor, now)?;
    Ok(policy)
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("no such customer in your scope")]
    NotFound,
    /// Someone owns it already (another claim won, or it was never in the pool).
    #[error("this customer is not in the pool")]
    Taken { owner_id: i64, yours: bool },
    /// A release or lock of a customer nobody owns.
    #[error("this customer is in the pool")]
    InPool,
    #[error("you may read this customer but not change it")]
    ReadOnly,
    #[error("a pool limit is reached")]
    Refused(ClaimRefusal),
    #[error("the owner has locked {limit} customers, the most allowed")]
    MaxLocked { limit: u32 },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for PoolError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::{ErrorCode, Refused};

        use PoolError as E;
        Ok(match self {
            E::NotFound => Refused::not_found("customer"),
            E::Taken { yours: true, .. } => {
                Refused::conflict(ErrorCode::AlreadyClaimed, "you own this customer already")
            }
            E::Taken { .. } => Refused::conflict(
                ErrorCode::AlreadyClaimed,
                "this customer is not in the pool: someone else owns it",
            ),
            E::InPool => Refused::conflict(ErrorCode::AlreadyInPool, "this customer is in the pool; nobody owns it"),
            E::ReadOnly => Refused::forbidden("only the owner, their manager or an admin may do this"),
            E::Refused(domain::pool::ClaimRefusal::MaxOwned { limit }) => Refused::limit(
                ErrorCode::PoolLimit,
                "max_owned",
                format!("you own {limit} customers, the most allowed; release one first"),
            )
            .with_context(serde_json::json!({ "limit": limit })),
            E::Refused(domain::pool::ClaimRefusal::DailyClaims { limit }) => Refused::limit(
                ErrorCode::PoolLimit,
                "daily_claims",
                format!("you claimed {limit} customers in the last 24 hours, the most allowed"),
            )
            .with_context(serde_json::json!({ "limit": limit })),
            E::Refused(domain::pool::ClaimRefusal::CoolDown { until }) => Refused::limit(
                ErrorCode::PoolLimit,
                "reclaim_cooldown_days",
                format!(
                    "you lost this customer recently; you may claim it again from {}",
                    until.to_rfc3339()
                ),
            )
            .with_context(serde_json::json!({ "until": until })),
            E::MaxLocked { limit } => Refused::limit(
                ErrorCode::PoolLimit,
                "max_locked",
                format!("the owner has locked {limit} customers, the most allowed; unlock one first"),
            )
            .with_context(serde_json::json!({ "limit": limit })),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for PoolError {
    fn from(e: diesel::result::Error) -> Self {
        PoolError::Repo(e.into())
    }
}

type Result<T> = std::result::Result<T, PoolError>;

/// Serialises limit checks per user: a no-op update takes the row lock on
/// PostgreSQL (SQLite writers are serial already). `false`: no such user.
fn lock_user(conn: &mut DbConn, user_id: i64) -> std::result::Result<bool, RepoError> {
    Ok(diesel::update(users::table.find(user_id))
        .set(users::token_version.eq(users::token_version))
        .execute(conn)?
        == 1)
}

/// What the claim rules need to know of `user_id` at `now`.
fn claimant(conn: &mut DbConn, user_id: i64, now: DateTime<Utc>) -> std::result::Result<Claimant, RepoError> {
    let max_owned: Option<i32> = users::table.find(user_id).select(users::max_customers).first(conn)?;
    let since = domain::pool::claim_window_start(now, crate::settings::zone(conn)?);
    let claims: i64 = pool_events::table
        .filter(pool_events::user_id.eq(user_id))
        .filter(pool_events::kind.eq("claimed"))
        .filter(pool_events::at.ge(naive(since)))
        .count()
        .get_result(conn)?;
    Ok(Claimant {
        user_id,
        owned: count(customers::count_owned(conn, user_id)?),
        max_owned: max_owned.and_then(|m| u32::try_from(m).ok()),
        claims_last_day: count(claims),
    })
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn event(
    conn: &mut DbConn,
    customer_id: i64,
    kind: &str,
    user_id: Option<i64>,
    actor_id: Option<i64>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> std::result::Result<(), RepoError> {
    diesel::insert_into(pool_events::table)
        .values((
            pool_events::customer_id.eq(customer_id),
            pool_events::kind.eq(kind),
            pool_events::user_id.eq(user_id),
            pool_events::actor_id.eq(actor_id),
            pool_events::reason.eq(reason),
            pool_events::at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn stored(conn: &mut DbConn, id: i64) -> std::result::Result<Stored, RepoError> {
    let row = customers::find(conn, id)?;
    customers::load_stored(conn, row)
}

/// The answer to a claim of an owned customer, by the rule in
/// `domain::pool::tells_taken`: "already claimed", or "not found" so a claim
/// never tells anyone that another team's customer exists.
fn taken(
    conn: &mut DbConn,
    id: i64,
    owner_id: i64,
    claimer: i64,
    now: DateTime<Utc>,
) -> std::result::Result<PoolError, RepoError> {
    let claimed_at: Option<chrono::NaiveDateTime> = pool_events::table
        .filter(pool_events::customer_id.eq(id))
        .filter(pool_events::kind.eq("claimed"))
        .filter(pool_events::user_id.eq(owner_id))
        .select(diesel::dsl::max(pool_events::at))
        .first(conn)?;
    Ok(
        if domain::pool::tells_taken(owner_id, claimer, claimed_at.map(|t| t.and_utc()), now) {
            PoolError::Taken {
                owner_id,
                yours: owner_id == claimer,
            }
        } else {
            PoolError::NotFound
        },
    )
}

/// Claims pool customer `id` for `claimer` (the caller, or the owner of a
/// lead being converted), within the pool rules; `actor` is who asked.
pub fn claim(conn: &mut DbConn, claimer: i64, actor: i64, id: i64, now: DateTime<Utc>) -> Result<Stored> {
    if !lock_user(conn, claimer)? {
        return Err(PoolError::Repo(RepoError::NotFound));
    }
    let row: Option<CustomerRow> = c::table
        .filter(c::id.eq(id))
        .filter(c::deleted_at.is_null())
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?;
    let row = row.ok_or(PoolError::NotFound)?;
    if let Some(owner_id) = row.owner_id {
        return Err(taken(conn, id, owner_id, claimer, now)?);
    }
    let policy = policy(conn)?;
    let who = claimant(conn, claimer, now)?;
    let entry = PoolEntry {
        previous_owner_id: row.previous_owner_id,
        pooled_at: row.pooled_at.map(|t| t.and_utc()),
    };
    domain::pool::may_claim(&policy, &who, &entry, now).map_err(PoolError::Refused)?;
    let n = diesel::update(
        c::table
            .filter(c::id.eq(id))
            .filter(c::owner_id.is_null())
            .filter(c::deleted_at.is_null()),
    )
    .set((
        c::owner_id.eq(Some(claimer)),
        c::owned_since.eq(Some(naive(now))),
        c::pooled_at.eq(None::<chrono::NaiveDateTime>),
        c::pool_reason.eq(None::<String>),
        c::version.eq(c::version + 1),
        c::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        // another claim committed between our read and our update
        let owner_id = c::table.find(id).select(c::owner_id).first::<Option<i64>>(conn)?;
        return Err(match owner_id {
            Some(owner_id) => taken(conn, id, owner_id, claimer, now)?,
            None => PoolError::NotFound,
        });
    }
    event(conn, id, "claimed", Some(claimer), Some(actor), None, now)?;
    let detail = json!({ "owner_id": [null, claimer] }).to_string();
    audit::record(conn, "customer", id, "claimed", Some(actor), &detail, now)?;
    let from_pool = serde_json::json!({"previous_owner_id": null, "claimed": true});
    crate::events::about_customers(
        conn,
        EventKind::CustomerOwnerChanged,
        &[(id, Some(claimer))],
        Some(actor),
        from_pool,
        now,
    )?;
    Ok(stored(conn, id)?)
}

/// A customer the actor may change (owner, manager over the owner, admin);
/// team members with write access may not release or lock it.
fn owned_for_change(conn: &mut DbConn, actor: &Actor<'_>, id: i64, now: DateTime<Utc>) -> Result<(CustomerRow, i64)> {
    let (row, access) = customers::find_visible(conn, id, actor.scope, false, now)?.ok_or(PoolError::NotFound)?;
    let Some(owner) = row.owner_id else {
        return Err(PoolError::InPool);
    };
    let may = access == Access::Write && (owner == actor.user_id || !matches!(actor.scope, DataScope::Own { .. }));
    if !may {
        return Err(PoolError::ReadOnly);
    }
    Ok((row, owner))
}

/// Puts an owned customer back in the pool (放入公海) with the reason given.
/// The owner becomes its previous owner (and waits out the cool-down to
/// claim it back); a lock ends.
pub fn release(conn: &mut DbConn, by: &Principal, id: i64, reason: &str, now: DateTime<Utc>) -> Result<Stored> {
    by.acting(conn, |conn, actor| {
        let (_, owner) = owned_for_change(conn, actor, id, now)?;
        if release_owned(conn, &[id], owner, actor.user_id, reason, now)?.is_empty() {
            return Err(PoolError::Repo(RepoError::Stale));
        }
        Ok(stored(conn, id)?)
    })
}

/// Puts those of `ids` that `owner` still owns back in the pool, set-based
/// (a few statements per 500 customers), each with a pool event and an
/// audit event; returns the ids released.
pub fn release_owned(
    conn: &mut DbConn,
    ids: &[i64],
    owner: i64,
    actor: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<i64>, RepoError> {
    let mut released = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let done: Vec<i64> = diesel::update(
            c::table
                .filter(c::id.eq_any(chunk.to_vec()))
                .filter(c::owner_id.eq(owner))
                .filter(c::deleted_at.is_null()),
        )
        .set((
            c::previous_owner_id.eq(Some(owner)),
            c::owner_id.eq(None::<i64>),
            c::owned_since.eq(None::<chrono::NaiveDateTime>),
            c::locked.eq(false),
            c::pooled_at.eq(Some(naive(now))),
            c::pool_reason.eq(Some(reason)),
            c::version.eq(c::version + 1),
            c::updated_at.eq(naive(now)),
        ))
        .returning(c::id)
        .get_results(conn)?;
        released.extend(done);
    }
    let detail = json!({ "owner_id": [owner, null], "reason": reason }).to_string();
    for id in &released {
        event(conn, *id, "released", Some(owner), Some(actor), Some(reason), now)?;
        audit::record(conn, "customer", *id, "released", Some(actor), &detail, now)?;
    }
    // the feed shows a return to the previous owner's team
    let items: Vec<(i64, Option<i64>)> = released.iter().map(|id| (*id, Some(owner))).collect();
    let why = serde_json::json!({"reason": reason, "released_by": actor});
    crate::events::about_customers(conn, EventKind::CustomerReturnedToPool, &items, Some(actor), why, now)?;
    released.sort_unstable();
    Ok(released)
}

/// Locks (锁定) or unlocks an owned customer; a lock keeps it out of the
/// sweep and counts against the owner's `max_locked`.
pub fn set_locked(conn: &mut DbConn, by: &Principal, id: i64, locked: bool, now: DateTime<Utc>) -> Result<Stored> {
    by.acting(conn, |conn, actor| {
        let (row, owner) = owned_for_change(conn, actor, id, now)?;
        if row.locked == locked {
            return Ok(stored(conn, id)?);
        }
        if locked {
            lock_user(conn, owner)?;
            let held: i64 = c::table
                .filter(c::owner_id.eq(owner))
                .filter(c::locked.eq(true))
                .filter(c::deleted_at.is_null())
                .count()
                .get_result(conn)?;
            domain::pool::may_lock(&policy(conn)?, count(held)).map_err(|limit| PoolError::MaxLocked { limit })?;
        }
        diesel::update(c::table.find(id))
            .set((
                c::locked.eq(locked),
                c::version.eq(c::version + 1),
                c::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
        let action = if locked { "locked" } else { "unlocked" };
        let detail = json!({ "locked": [row.locked, locked] }).to_string();
        audit::record(conn, "customer", id, action, Some(actor.user_id), &detail, now)?;
        Ok(stored(conn, id)?)
    })
}
