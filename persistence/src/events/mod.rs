//! Business events written in the transaction of the change (the outbox),
//! fanned out at once to the webhook subscriptions that want them. The
//! delivery side is in [`webhooks`]; the managers' feed in [`feed`].

pub mod dispatch;
pub mod feed;
pub mod webhooks;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::events::{EventKind, Interest};

use crate::schema::{events, users, webhook_deliveries, webhook_subscriptions};
use crate::{DbConn, RepoError, naive};

/// An event to record about one record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub entity: &'a str,
    pub entity_id: i64,
    /// The record's owner after the change (its department is looked up).
    pub owner_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// One line for people (the feed, chat robots).
    pub summary: String,
    /// The facts for machines (the webhook body's `data`).
    pub data: serde_json::Value,
}

/// The active subscriptions, loaded once per operation, and the owners'
/// departments seen so far.
pub struct Outbox {
    subscriptions: Vec<(i64, Interest)>,
    departments: HashMap<i64, Option<i64>>,
}

impl Outbox {
    pub fn load(conn: &mut DbConn) -> Result<Outbox, RepoError> {
        let rows: Vec<(i64, String, Option<i64>, Option<i64>)> = webhook_subscriptions::table
            .filter(webhook_subscriptions::active.eq(true))
            .select((
                webhook_subscriptions::id,
                webhook_subscriptions::events,
                webhook_subscriptions::department_id,
                webhook_subscriptions::owner_id,
            ))
            .load(conn)?;
        let tree = if rows.iter().any(|r| r.2.is_some()) {
            Some(crate::departments::parent_map(conn)?)
        } else {
            None
        };
        let subscriptions = rows
            .into_iter()
            .map(|(id, kinds, department, owner_id)| {
                let interest = Interest {
                    events: parse_kinds(&kinds),
                    departments: department.map(|d| tree.as_ref().map_or(vec![d], |t| domain::org::subtree(t, d))),
                    owner_id,
                };
                (id, interest)
            })
            .collect();
        Ok(Outbox {
            subscriptions,
            departments: HashMap::new(),
        })
    }

    /// Would an event of `kind` be recorded (for some record)? Lets a bulk
    /// operation skip building events nobody keeps.
    pub fn keeps(&self, kind: EventKind) -> bool {
        kind.in_feed() || self.subscriptions.iter().any(|(_, i)| i.events.contains(&kind))
    }

    fn department_of(&mut self, conn: &mut DbConn, owner: Option<i64>) -> Result<Option<i64>, RepoError> {
        let Some(owner) = owner else { return Ok(None) };
        if let Some(d) = self.departments.get(&owner) {
            return Ok(*d);
        }
        let d = users::table
            .find(owner)
            .select(users::department_id)
            .first::<Option<i64>>(conn)
            .optional()?
            .flatten();
        self.departments.insert(owner, d);
        Ok(d)
    }

    /// Records the event when the feed shows it or a subscription wants it,
    /// with one pending delivery per such subscription. Returns its id.
    pub fn emit(
        &mut self,
        conn: &mut DbConn,
        event: NewEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, RepoError> {
        Ok(self.emit_many(conn, vec![event], now)?.into_iter().next())
    }

    /// [`Outbox::emit`] for many events: one multi-row INSERT for the events
    /// and one for their deliveries. Returns the ids of those recorded.
    pub fn emit_many(
        &mut self,
        conn: &mut DbConn,
        batch: Vec<NewEvent<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, RepoError> {
        let at = naive(now);
        let mut kept = Vec::new();
        for event in batch {
            if !self.keeps(event.kind) {
                continue;
            }
            let department = self.department_of(conn, event.owner_id)?;
            let wanted: Vec<i64> = self
                .subscriptions
                .iter()
                .filter(|(_, i)| i.wants(event.kind, event.owner_id, department))
                .map(|(id, _)| *id)
                .collect();
            if wanted.is_empty() && !event.kind.in_feed() {
                continue;
            }
            kept.push((event, department, wanted));
        }
        if kept.is_empty() {
            return Ok(Vec::new());
        }
        let data: Vec<String> = kept.iter().map(|(e, _, _)| e.data.to_string()).collect();
        // in inserts of at most ROWS_PER_INSERT: SQLite takes 32,766 bound
        // values a statement, and a sweep returning 100,000 customers to the
        // pool failed with "too many SQL variables"
        let mut ids: Vec<i64> = Vec::with_capacity(kept.len());
        for (part, data) in kept.chunks(ROWS_PER_INSERT).zip(data.chunks(ROWS_PER_INSERT)) {
            ids.extend(insert_events(conn, part, data, at)?);
        }
        let deliveries: Vec<(i64, i64)> = kept
            .iter()
            .zip(&ids)
            .flat_map(|((_, _, wanted), event_id)| wanted.iter().map(move |subscription| (*subscription, *event_id)))
            .collect();
        for part in deliveries.chunks(ROWS_PER_INSERT) {
            let rows: Vec<_> = part
                .iter()
                .map(|(subscription, event_id)| {
                    (
                        webhook_deliveries::subscription_id.eq(*subscription),
                        webhook_deliveries::event_id.eq(*event_id),
                        webhook_deliveries::status.eq("pending"),
                        webhook_deliveries::attempts.eq(0),
                        webhook_deliveries::next_attempt_at.eq(at),
                        webhook_deliveries::created_at.eq(at),
                    )
                })
                .collect();
            match conn {
                DbConn::Pg(c) => diesel::insert_into(webhook_deliveries::table).values(rows).execute(c)?,
                DbConn::Sqlite(c) => diesel::insert_into(webhook_deliveries::table).values(rows).execute(c)?,
            };
        }
        Ok(ids)
    }
}

/// Rows a multi-row insert of events or deliveries holds at most (9 and 6
/// bound values each: well under SQLite's 32,766 and PostgreSQL's 65,535).
const ROWS_PER_INSERT: usize = 1_000;

/// Inserts `kept` events (their data written out in `data`); their ids, in order.
fn insert_events(
    conn: &mut DbConn,
    kept: &[(NewEvent<'_>, Option<i64>, Vec<i64>)],
    data: &[String],
    at: chrono::NaiveDateTime,
) -> Result<Vec<i64>, RepoError> {
    {
        {
            let rows: Vec<_> = kept
                .iter()
                .zip(data)
                .map(|((e, department, _), data)| {
                    (
                        events::kind.eq(e.kind.as_str()),
                        events::entity.eq(e.entity),
                        events::entity_id.eq(e.entity_id),
                        events::owner_id.eq(e.owner_id),
                        events::department_id.eq(*department),
                        events::actor_id.eq(e.actor_id),
                        events::summary.eq(e.summary.as_str()),
                        events::data.eq(data.as_str()),
                        events::occurred_at.eq(at),
                    )
                })
                .collect();
            Ok(match conn {
                DbConn::Pg(c) => diesel::insert_into(events::table)
                    .values(rows)
                    .returning(events::id)
                    .get_results(c)?,
                DbConn::Sqlite(c) => diesel::insert_into(events::table)
                    .values(rows)
                    .returning(events::id)
                    .get_results(c)?,
            })
        }
    }
}

/// An event about a record, its summary `标题：subject`.
pub fn about<'a>(
    kind: EventKind,
    entity: &'a str,
    entity_id: i64,
    subject: &str,
    owner_id: Option<i64>,
    actor_id: Option<i64>,
    data: serde_json::Value,
) -> NewEvent<'a> {
    NewEvent {
        kind,
        entity,
        entity_id,
        owner_id,
        actor_id,
        summary: format!("{}：{subject}", kind.title_zh()),
        data,
    }
}

/// Records one event (see [`Outbox::emit`]).
pub fn emit(conn: &mut DbConn, event: NewEvent<'_>, now: DateTime<Utc>) -> Result<Option<i64>, RepoError> {
    Outbox::load(conn)?.emit(conn, event, now)
}

/// The kinds of a stored comma-separated list (unknown names are skipped:
/// a subscription never fails an unrelated write).
pub fn parse_kinds(list: &str) -> Vec<EventKind> {
    list.split(',').filter_map(|k| k.trim().parse().ok()).collect()
}

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub entity: String,
    pub entity_id: i64,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub summary: String,
    pub data: String,
    pub occurred_at: chrono::NaiveDateTime,
}

/// A lead event: `subject` is the company or the person.
pub fn about_lead(
    kind: EventKind,
    id: i64,
    subject: Option<&str>,
    owner_id: Option<i64>,
    actor_id: Option<i64>,
) -> NewEvent<'static> {
    let subject = subject.unwrap_or("");
    let data = serde_json::json!({"id": id, "name": subject, "owner_id": owner_id});
    about(kind, "lead", id, subject, owner_id, actor_id, data)
}

/// A deal's move from stage `from` to its current stage: `deal.stage_changed`,
/// and `deal.won` or `deal.lost` when the move closed it.
pub fn deal_moved(
    conn: &mut DbConn,
    deal: &crate::opportunities::OpportunityRow,
    from: i64,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut outbox = Outbox::load(conn)?;
    let data = serde_json::json!({
        "id": deal.id, "title": deal.title, "customer_id": deal.customer_id, "owner_id": deal.owner_id,
        "from_stage_id": from, "to_stage_id": deal.stage_id, "status": deal.status,
        "amount": deal.amount, "currency": deal.currency,
    });
    let owner = Some(deal.owner_id);
    let mut batch = vec![about(
        EventKind::DealStageChanged,
        "opportunity",
        deal.id,
        &deal.title,
        owner,
        actor_id,
        data.clone(),
    )];
    let closing = match deal.status.as_str() {
        "won" => Some(EventKind::DealWon),
        "lost" => Some(EventKind::DealLost),
        _ => None,
    };
    if let Some(kind) = closing {
        batch.push(about(kind, "opportunity", deal.id, &deal.title, owner, actor_id, data));
    }
    outbox.emit_many(conn, batch, now)?;
    Ok(())
}

/// A contract event (`contract.submitted`, `contract.approved`).
pub fn about_contract(
    conn: &mut DbConn,
    kind: EventKind,
    c: &crate::contracts::ContractRow,
    actor_id: Option<i64>,
    extra: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut data = serde_json::json!({
        "id": c.id, "number": c.number, "title": c.title, "customer_id": c.customer_id,
        "owner_id": c.owner_id, "amount": c.amount, "currency": c.currency,
    });
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    let subject = format!("{} {}", c.number, c.title);
    emit(
        conn,
        about(kind, "contract", c.id, &subject, Some(c.owner_id), actor_id, data),
        now,
    )?;
    Ok(())
}

/// One `kind` event per customer of `items` (id, owner for the scope), named
/// from the store, with `extra` merged into each one's data; one batch.
pub fn about_customers(
    conn: &mut DbConn,
    kind: EventKind,
    items: &[(i64, Option<i64>)],
    actor_id: Option<i64>,
    extra: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut outbox = Outbox::load(conn)?;
    if !outbox.keeps(kind) {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|(id, _)| *id).collect();
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        names.extend(crate::customers::names(conn, chunk)?);
    }
    let batch = items
        .iter()
        .map(|(id, owner)| {
            let name = names.get(id).cloned().unwrap_or_default();
            let mut data = serde_json::json!({"id": id, "name": name, "owner_id": owner});
            if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
                d.extend(e.clone());
            }
            about(kind, "customer", *id, &name, *owner, actor_id, data)
        })
        .collect();
    outbox.emit_many(conn, batch, now)?;
    Ok(())
}
