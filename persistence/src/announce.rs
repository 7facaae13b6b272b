//! Announcements of time passing: a task reaching its due time (`task.due`)
//! and a payment plan passing its day unpaid (`payment.overdue`). Each is
//! announced once: the row is marked in the same transaction as its event.
//! The caller runs this under a lease, so several nodes announce once.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::vocabulary::{ContractStatus, PlanStatus};
use serde_json::json;

use crate::contracts::{ContractRow, PaymentRow, PlanRow, states};
use crate::schema::{contracts as k, payment_plans as pp, payments as pay, tasks as t};
use crate::{DbConn, RepoError, naive};

/// At most this many of each are announced a run; the rest wait for the next.
pub const BATCH: i64 = 500;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Announced {
    pub tasks_due: usize,
    pub payments_overdue: usize,
}

/// Announces what has come due by `now` (`today` in the organisation's zone).
pub fn run(conn: &mut DbConn, now: DateTime<Utc>, today: NaiveDate) -> Result<Announced, RepoError> {
    let mut outbox = crate::events::Outbox::load(conn)?;
    Ok(Announced {
        tasks_due: tasks_due(conn, &mut outbox, now)?,
        payments_overdue: payments_overdue(conn, &mut outbox, now, today)?,
    })
}

/// id, title, assignee, customer, due time.
type DueTask = (i64, String, i64, Option<i64>, Option<NaiveDateTime>);

fn tasks_due(conn: &mut DbConn, outbox: &mut crate::events::Outbox, now: DateTime<Utc>) -> Result<usize, RepoError> {
    let due: Vec<DueTask> = t::table
        .filter(t::due_announced_at.is_null())
        .filter(t::done_at.is_null())
        .filter(t::deleted_at.is_null())
        .filter(t::due_at.le(naive(now)))
        .order(t::due_at.asc())
        .limit(BATCH)
        .select((t::id, t::title, t::assignee_id, t::customer_id, t::due_at))
        .load(conn)?;
    if due.is_empty() {
        return Ok(0);
    }
    let events = due
        .iter()
        .map(|(id, title, assignee, customer, due_at)| {
            let data = json!({"id": id, "title": title, "assignee_id": assignee, "customer_id": customer,
                              "due_at": due_at.map(|d| d.and_utc())});
            crate::events::about(EventKind::TaskDue, "task", *id, title, Some(*assignee), None, data)
        })
        .collect();
    outbox.emit_many(conn, events, now)?;
    let ids: Vec<i64> = due.iter().map(|d| d.0).collect();
    diesel::update(t::table.filter(t::id.eq_any(&ids)))
        .set(t::due_announced_at.eq(Some(naive(now))))
        .execute(conn)?;
    Ok(due.len())
}

fn payments_overdue(
    conn: &mut DbConn,
    outbox: &mut crate::events::Outbox,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<usize, RepoError> {
    // plans past their day, on contracts that are approved or cancelled
    // (a draft's plans wait: they may still change)
    let settled = k::table
        .filter(k::status.eq_any([ContractStatus::Approved.as_str(), ContractStatus::Cancelled.as_str()]))
        .select(k::id);
    let candidates: Vec<(i64, i64)> = pp::table
        .filter(pp::overdue_announced_at.is_null())
        .filter(pp::due_on.lt(today))
        .filter(pp::contract_id.eq_any(settled))
        .order(pp::due_on.asc())
        .limit(BATCH)
        .select((pp::id, pp::contract_id))
        .load(conn)?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let mut contract_ids: Vec<i64> = candidates.iter().map(|c| c.1).collect();
    contract_ids.sort_unstable();
    contract_ids.dedup();
    let contracts: Vec<ContractRow> = k::table
        .filter(k::id.eq_any(&contract_ids))
        .select(ContractRow::as_select())
        .load(conn)?;
    let plans: Vec<PlanRow> = pp::table
        .filter(pp::contract_id.eq_any(&contract_ids))
        .order((pp::contract_id.asc(), pp::position.asc()))
        .select(PlanRow::as_select())
        .load(conn)?;
    let payments: Vec<PaymentRow> = pay::table
        .filter(pay::contract_id.eq_any(&contract_ids))
        .order(pay::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)?;
    let cancelled = |id: i64| {
        contracts
            .iter()
            .any(|c| c.id == id && c.status == ContractStatus::Cancelled.as_str())
    };
    let plan_ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
    let overdue: Vec<_> = states(plans, &payments, today, cancelled)
        .into_iter()
        .filter(|s| plan_ids.contains(&s.plan.id) && s.status == PlanStatus::Overdue)
        .collect();
    let events = overdue
        .iter()
        .filter_map(|s| {
            let c = contracts.iter().find(|c| c.id == s.plan.contract_id)?;
            let data = json!({"contract_id": c.id, "number": c.number, "plan_id": s.plan.id,
                              "due_on": s.plan.due_on, "amount": {"amount": s.plan.amount, "currency": c.currency},
                              "paid": {"amount": s.paid, "currency": c.currency}, "customer_id": c.customer_id});
            let subject = format!("{} {}", c.number, c.title);
            Some(crate::events::about(
                EventKind::PaymentOverdue,
                "contract",
                c.id,
                &subject,
                Some(c.owner_id),
                None,
                data,
            ))
        })
        .collect();
    outbox.emit_many(conn, events, now)?;
    diesel::update(pp::table.filter(pp::id.eq_any(&plan_ids)))
        .set(pp::overdue_announced_at.eq(Some(naive(now))))
        .execute(conn)?;
    Ok(overdue.len())
}
