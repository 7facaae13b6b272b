//! The sending side of webhook deliveries: the lease a node takes on due
//! deliveries (so several nodes send each once), and the record of every
//! attempt with its retry or the subscription's disabling.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::RetryPolicy;

use super::EventRow;
use super::webhooks::SubscriptionRow;
use crate::schema::{events, webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::{DbConn, RepoError, naive};

/// A delivery this node leased, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery_id: i64,
    pub attempts: i32,
    pub subscription: SubscriptionRow,
    pub event: EventRow,
}

/// Pending deliveries of active subscriptions whose next attempt is due at
/// `$at` and that no node holds a live lease on.
macro_rules! due_deliveries {
    ($at:expr) => {{
        let at = $at;
        webhook_deliveries::table
            .inner_join(webhook_subscriptions::table)
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le(at))
            .filter(webhook_subscriptions::active.eq(true))
            .filter(
                webhook_deliveries::lease_until
                    .is_null()
                    .or(webhook_deliveries::lease_until.lt(at)),
            )
    }};
}

/// Whether any delivery is due: the poll's first step, a read, so an idle
/// node takes no write lock (on SQLite, a turn in the one writer's queue).
pub fn any_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let first: Option<i64> = due_deliveries!(naive(now))
        .select(webhook_deliveries::id)
        .first(conn)
        .optional()?;
    Ok(first.is_some())
}

/// Leases up to `limit` due deliveries of active subscriptions for `lease`.
/// The conditional update makes the lease exclusive: of several nodes that
/// pick the same delivery, one updates it and the others see it leased.
pub fn claim_due(
    conn: &mut DbConn,
    token: &str,
    limit: i64,
    lease: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Due>, RepoError> {
    let at = naive(now);
    let free = webhook_deliveries::lease_until
        .is_null()
        .or(webhook_deliveries::lease_until.lt(at));
    let ids: Vec<i64> = due_deliveries!(at)
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(webhook_deliveries::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(&ids))
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(free),
    )
    .set((
        webhook_deliveries::lease_token.eq(token),
        webhook_deliveries::lease_until.eq(naive(now + lease)),
    ))
    .execute(conn)?;
    let rows: Vec<(i64, i32, SubscriptionRow, EventRow)> = webhook_deliveries::table
        .inner_join(webhook_subscriptions::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .filter(webhook_deliveries::lease_token.eq(token))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            SubscriptionRow::as_select(),
            EventRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery_id, attempts, subscription, event)| Due {
            delivery_id,
            attempts,
            subscription,
            event,
        })
        .collect())
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub excerpt: Option<String>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What became of the delivery after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Delivered,
    RetryAt(DateTime<Utc>),
    /// Out of attempts: the delivery failed and its subscription is disabled.
    GaveUp,
}

/// Records an attempt and moves the delivery on: delivered, retried after
/// the policy's wait, or given up (which disables the subscription, saying
/// why). The subscription's run of failures restarts at a success.
pub fn record_attempt(
    conn: &mut DbConn,
    due: &Due,
    outcome: &Outcome,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Result<After, RepoError> {
    let at = naive(now);
    let status = outcome.status_code.map(i32::from);
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(due.delivery_id),
            webhook_attempts::attempted_at.eq(at),
            webhook_attempts::status_code.eq(status),
            webhook_attempts::latency_ms.eq(outcome.latency_ms),
            webhook_attempts::response_excerpt.eq(&outcome.excerpt),
            webhook_attempts::error.eq(&outcome.error),
        ))
        .execute(conn)?;
    let attempts = due.attempts + 1;
    let sub = webhook_subscriptions::table.find(due.subscription.id);
    let after = if outcome.succeeded() {
        diesel::update(sub)
            .set(webhook_subscriptions::consecutive_failures.eq(0))
            .execute(conn)?;
        After::Delivered
    } else {
        diesel::update(sub)
            .set(webhook_subscriptions::consecutive_failures.eq(webhook_subscriptions::consecutive_failures + 1))
            .execute(conn)?;
        match policy.wait_after(u32::try_from(attempts).unwrap_or(u32::MAX)) {
            Some(wait) => After::RetryAt(now + wait),
            None => {
                let answer = outcome
                    .status_code
                    .map_or_else(|| outcome.error.clone().unwrap_or_default(), |s| format!("HTTP {s}"));
                let reason = format!(
                    "disabled at {}: delivery {} failed {attempts} times over {} minutes (last: {answer})",
                    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    due.delivery_id,
                    policy.span().num_minutes()
                );
                log::warn!("webhook {} {reason}", due.subscription.id);
                diesel::update(sub)
                    .set((
                        webhook_subscriptions::active.eq(false),
                        webhook_subscriptions::disabled_reason.eq(reason),
                        webhook_subscriptions::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                After::GaveUp
            }
        }
    };
    let (state, next) = match &after {
        After::Delivered => ("delivered", at),
        After::RetryAt(t) => ("pending", naive(*t)),
        After::GaveUp => ("failed", at),
    };
    diesel::update(webhook_deliveries::table.find(due.delivery_id))
        .set((
            webhook_deliveries::status.eq(state),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::last_status.eq(status),
            webhook_deliveries::lease_token.eq(None::<String>),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::delivered_at.eq((after == After::Delivered).then_some(at)),
        ))
        .execute(conn)?;
    Ok(after)
}
