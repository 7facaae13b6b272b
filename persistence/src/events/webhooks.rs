//! Webhook subscriptions and their deliveries: admin writes and the
//! deliveries' history. The sending side (leases and attempts) is in
//! [`super::dispatch`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::{EventKind, Target};

use super::EventRow;
use crate::schema::{events, webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub name: String,
    pub target: String,
    pub url: String,
    pub secret: Option<String>,
    pub events: String,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub active: bool,
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SubscriptionRow {
    pub fn target(&self) -> Result<Target, RepoError> {
        self.target
            .parse()
            .map_err(|e: domain::events::UnknownEvent| RepoError::Corrupt(e.to_string()))
    }

    pub fn kinds(&self) -> Vec<EventKind> {
        super::parse_kinds(&self.events)
    }
}

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub name: String,
    pub target: Target,
    pub url: String,
    pub secret: Option<String>,
    pub events: Vec<EventKind>,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
}

fn kinds_text(kinds: &[EventKind]) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

pub fn create(
    conn: &mut DbConn,
    actor: i64,
    new: NewSubscription,
    now: DateTime<Utc>,
) -> Result<SubscriptionRow, RepoError> {
    let at = naive(now);
    let id: i64 = diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::name.eq(&new.name),
            webhook_subscriptions::target.eq(new.target.as_str()),
            webhook_subscriptions::url.eq(&new.url),
            webhook_subscriptions::secret.eq(&new.secret),
            webhook_subscriptions::events.eq(kinds_text(&new.events)),
            webhook_subscriptions::department_id.eq(new.department_id),
            webhook_subscriptions::owner_id.eq(new.owner_id),
            webhook_subscriptions::active.eq(true),
            webhook_subscriptions::consecutive_failures.eq(0),
            webhook_subscriptions::created_by.eq(actor),
            webhook_subscriptions::created_at.eq(at),
            webhook_subscriptions::updated_at.eq(at),
        ))
        .returning(webhook_subscriptions::id)
        .get_result(conn)?;
    let detail = serde_json::json!({"url": new.url, "target": new.target.as_str(), "events": kinds_text(&new.events)});
    audit::record(conn, "webhook", id, "created", Some(actor), &detail.to_string(), now)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<SubscriptionRow, RepoError> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<SubscriptionRow>, RepoError> {
    Ok(webhook_subscriptions::table
        .order(webhook_subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

/// A change to a subscription; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<EventKind>>,
    pub department_id: Option<Option<i64>>,
    pub owner_id: Option<Option<i64>>,
    /// `true` re-enables a disabled subscription (its failure count restarts).
    pub active: Option<bool>,
}

pub fn change(
    conn: &mut DbConn,
    actor: i64,
    id: i64,
    c: Change,
    now: DateTime<Utc>,
) -> Result<SubscriptionRow, RepoError> {
    let before = find(conn, id)?;
    let row = SubscriptionRow {
        name: c.name.unwrap_or(before.name.clone()),
        url: c.url.unwrap_or(before.url.clone()),
        events: c.events.map_or(before.events.clone(), |k| kinds_text(&k)),
        department_id: c.department_id.unwrap_or(before.department_id),
        owner_id: c.owner_id.unwrap_or(before.owner_id),
        active: c.active.unwrap_or(before.active),
        ..before.clone()
    };
    let enabled = row.active && !before.active;
    diesel::update(webhook_subscriptions::table.find(id))
        .set((
            webhook_subscriptions::name.eq(&row.name),
            webhook_subscriptions::url.eq(&row.url),
            webhook_subscriptions::events.eq(&row.events),
            webhook_subscriptions::department_id.eq(row.department_id),
            webhook_subscriptions::owner_id.eq(row.owner_id),
            webhook_subscriptions::active.eq(row.active),
            webhook_subscriptions::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    if enabled {
        diesel::update(webhook_subscriptions::table.find(id))
            .set((
                webhook_subscriptions::consecutive_failures.eq(0),
                webhook_subscriptions::disabled_reason.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    let detail = serde_json::json!({"url": row.url, "events": row.events, "active": row.active});
    audit::record(conn, "webhook", id, "updated", Some(actor), &detail.to_string(), now)?;
    find(conn, id)
}

/// Deletes a subscription with its deliveries and their attempts.
pub fn delete(conn: &mut DbConn, actor: i64, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    find(conn, id)?;
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(id))
        .select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries))).execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(id))).execute(conn)?;
    diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)?;
    audit::record(conn, "webhook", id, "deleted", Some(actor), "{}", now)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// A page of a subscription's deliveries, newest first, with their events.
pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(DeliveryRow, EventRow)>, RepoError> {
    let mut q = webhook_deliveries::table
        .inner_join(events::table)
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s.to_owned()));
    }
    if let Some(b) = before_id {
        q = q.filter(webhook_deliveries::id.lt(b));
    }
    Ok(q.order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .load(conn)?)
}

/// The attempts of these deliveries, oldest first.
pub fn attempts(conn: &mut DbConn, delivery_ids: &[i64]) -> Result<Vec<AttemptRow>, RepoError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?)
}

/// Sends a delivery again from its first attempt (its history stays).
pub fn redeliver(
    conn: &mut DbConn,
    actor: i64,
    subscription_id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<DeliveryRow, RepoError> {
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(delivery_id))
            .filter(webhook_deliveries::subscription_id.eq(subscription_id)),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(naive(now)),
        webhook_deliveries::lease_token.eq(None::<String>),
        webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    audit::record(
        conn,
        "webhook",
        subscription_id,
        "redelivery",
        Some(actor),
        &format!("{{\"delivery\":{delivery_id}}}"),
        now,
    )?;
    Ok(webhook_deliveries::table
        .find(delivery_id)
        .select(DeliveryRow::as_select())
        .first(conn)?)
}
