//! Payment plans (回款计划) and payments (回款). Plans split a contract by
//! due date and add up to it exactly; payments are taken on approved
//! contracts only and never exceed the contract in total (checked under a
//! row lock on the contract, so two payments at once cannot both slip in).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::scope::DataScope;
use domain::vocabulary::{ContractStatus, PlanStatus};
use serde_json::json;

use super::{ContractError, ContractRow, Result, locked_visible, scoped};
use crate::schema::{contracts as k, payment_plans as pp, payments as pay, users};
use crate::scope::{Actor, Reach};
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pp)]
pub struct PlanRow {
    pub id: i64,
    pub contract_id: i64,
    pub position: i32,
    pub due_on: NaiveDate,
    pub amount: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pay)]
pub struct PaymentRow {
    pub id: i64,
    pub contract_id: i64,
    pub plan_id: Option<i64>,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub owner_id: i64,
    pub department_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A plan with what was paid on it and where it stands today.
#[derive(Debug, Clone)]
pub struct PlanState {
    pub plan: PlanRow,
    pub paid: i64,
    pub status: PlanStatus,
}

/// Replaces a contract's plans; they must add up to the contract exactly.
pub fn set_plans(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: i64,
    plans: &[(NaiveDate, i64)],
    now: DateTime<Utc>,
) -> Result<Vec<PlanRow>> {
    let c = locked_visible(conn, actor.scope, id)?;
    let state = c.state()?;
    if state == ContractStatus::Cancelled {
        return Err(ContractError::State(domain::contracts::NotAllowed {
            status: state,
            action: "planned",
        }));
    }
    let amounts: Vec<i64> = plans.iter().map(|(_, a)| *a).collect();
    if let Err(domain::targets::ManualError::DoesNotAddUp(m)) = domain::targets::check_manual(c.amount, &amounts) {
        return Err(ContractError::PlansDoNotAddUp {
            total: m.total,
            sum: m.sum,
            difference: m.difference,
        });
    }
    diesel::update(pay::table.filter(pay::contract_id.eq(id)))
        .set(pay::plan_id.eq(None::<i64>))
        .execute(conn)?;
    diesel::delete(pp::table.filter(pp::contract_id.eq(id))).execute(conn)?;
    let mut sorted = plans.to_vec();
    sorted.sort();
    for (i, (due, amount)) in sorted.iter().enumerate() {
        diesel::insert_into(pp::table)
            .values((
                pp::contract_id.eq(id),
                pp::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                pp::due_on.eq(*due),
                pp::amount.eq(*amount),
                pp::created_at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    let detail = json!({ "plans": sorted.len() }).to_string();
    audit::record(conn, "contract", id, "planned", Some(actor.user_id), &detail, now)?;
    Ok(pp::table
        .filter(pp::contract_id.eq(id))
        .order(pp::position.asc())
        .select(PlanRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone)]
pub struct NewPayment {
    pub amount: i64,
    pub received_on: NaiveDate,
    pub plan_id: Option<i64>,
    pub method: Option<String>,
    pub reference: Option<String>,
}

/// Records a payment on an approved contract, never beyond what is open;
/// attributed to the contract's owner and department.
pub fn pay(conn: &mut DbConn, actor: &Actor<'_>, id: i64, new: NewPayment, now: DateTime<Utc>) -> Result<PaymentRow> {
    let c = locked_visible(conn, actor.scope, id)?;
    domain::contracts::may_collect(c.state()?).map_err(ContractError::State)?;
    domain::contracts::may_record_received(new.received_on, crate::settings::today(conn, now)?)
        .map_err(|_| ContractError::NotYetReceived)?;
    if let Some(plan) = new.plan_id {
        let amount: Option<i64> = pp::table
            .filter(pp::id.eq(plan))
            .filter(pp::contract_id.eq(id))
            .select(pp::amount)
            .first(conn)
            .optional()?;
        let amount = amount.ok_or(ContractError::NoSuchPlan(plan))?;
        // what payments naming the plan hold; payments naming none fill
        // the plans in order around them (`states`), so a plan is never
        // paid beyond itself as long as this holds
        let named = domain::money::sum(
            pay::table
                .filter(pay::plan_id.eq(plan))
                .select(pay::amount)
                .load::<i64>(conn)?,
        );
        domain::contracts::may_pay(amount, named, new.amount)
            .map_err(|o| ContractError::PlanOverpayment { open: o.open })?;
    }
    // summed here: SQL sums of BIGINT are NUMERIC on PostgreSQL
    let collected = domain::money::sum(
        pay::table
            .filter(pay::contract_id.eq(id))
            .select(pay::amount)
            .load::<i64>(conn)?,
    );
    domain::contracts::may_pay(c.amount, collected, new.amount)
        .map_err(|o| ContractError::Overpayment { open: o.open })?;
    let pid: i64 = diesel::insert_into(pay::table)
        .values((
            pay::contract_id.eq(id),
            pay::plan_id.eq(new.plan_id),
            pay::amount.eq(new.amount),
            pay::received_on.eq(new.received_on),
            pay::method.eq(&new.method),
            pay::reference.eq(&new.reference),
            pay::owner_id.eq(c.owner_id),
            pay::department_id.eq(c.department_id),
            pay::created_by.eq(Some(actor.user_id)),
            pay::created_at.eq(naive(now)),
        ))
        .returning(pay::id)
        .get_result(conn)?;
    let detail = json!({ "payment_id": pid, "amount": new.amount }).to_string();
    audit::record(conn, "contract", id, "paid", Some(actor.user_id), &detail, now)?;
    let paid = json!({"payment_id": pid, "payment_amount": new.amount, "received_on": new.received_on});
    crate::events::about_contract(conn, EventKind::PaymentReceived, &c, Some(actor.user_id), paid, now)?;
    Ok(pay::table.find(pid).select(PaymentRow::as_select()).first(conn)?)
}

/// A contract's plans with their standing today, and its payments.
pub fn collections_of(
    conn: &mut DbConn,
    c: &ContractRow,
    today: NaiveDate,
) -> std::result::Result<(Vec<PlanState>, Vec<PaymentRow>), RepoError> {
    let plans: Vec<PlanRow> = pp::table
        .filter(pp::contract_id.eq(c.id))
        .order(pp::position.asc())
        .select(PlanRow::as_select())
        .load(conn)?;
    let payments: Vec<PaymentRow> = pay::table
        .filter(pay::contract_id.eq(c.id))
        .order(pay::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)?;
    let cancelled = c.status == ContractStatus::Cancelled.as_str();
    Ok((states(plans, &payments, today, |_| cancelled), payments))
}

/// Allocates payments to plans: those naming a plan to it, the rest to the
/// earliest plans first.
pub(crate) fn states(
    plans: Vec<PlanRow>,
    payments: &[PaymentRow],
    today: NaiveDate,
    cancelled: impl Fn(i64) -> bool,
) -> Vec<PlanState> {
    let mut named: HashMap<i64, i64> = HashMap::new();
    let mut loose: HashMap<i64, i64> = HashMap::new();
    for p in payments {
        let sum = match p.plan_id {
            Some(plan) => named.entry(plan).or_default(),
            None => loose.entry(p.contract_id).or_default(),
        };
        *sum = sum.saturating_add(p.amount);
    }
    plans
        .into_iter()
        .map(|plan| {
            let mut paid = named.get(&plan.id).copied().unwrap_or(0);
            let pool = loose.entry(plan.contract_id).or_default();
            let take = (*pool).min((plan.amount - paid).max(0));
            paid += take;
            *pool -= take;
            let status =
                domain::contracts::plan_status(plan.amount, paid, plan.due_on, today, cancelled(plan.contract_id));
            PlanState { plan, paid, status }
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct ReceivableFilter {
    pub due_before: Option<NaiveDate>,
    pub overdue: bool,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
}

/// Plans still to be collected on approved contracts in scope, by due date.
pub fn receivables(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &ReceivableFilter,
    today: NaiveDate,
    limit: i64,
) -> std::result::Result<Vec<(PlanState, ContractRow)>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(
        k::table
            .filter(k::status.eq(ContractStatus::Approved.as_str()))
            .into_boxed(),
        scope,
    );
    if let Some(o) = f.owner_id {
        q = q.filter(k::owner_id.eq(o));
    }
    if let Some(d) = f.department_id {
        q = q.filter(k::owner_id.eq_any(users::table.filter(users::department_id.eq(d)).select(users::id)));
    }
    let contracts: Vec<ContractRow> = q.select(ContractRow::as_select()).load(conn)?;
    let ids: Vec<i64> = contracts.iter().map(|c| c.id).collect();
    let mut plan_q = pp::table.filter(pp::contract_id.eq_any(ids.clone())).into_boxed();
    if let Some(before) = f.due_before {
        plan_q = plan_q.filter(pp::due_on.lt(before));
    }
    let plans: Vec<PlanRow> = plan_q
        .order((pp::contract_id.asc(), pp::position.asc()))
        .select(PlanRow::as_select())
        .load(conn)?;
    let payments: Vec<PaymentRow> = pay::table
        .filter(pay::contract_id.eq_any(ids))
        .select(PaymentRow::as_select())
        .load(conn)?;
    let by_id: HashMap<i64, ContractRow> = contracts.into_iter().map(|c| (c.id, c)).collect();
    let mut out: Vec<(PlanState, ContractRow)> = states(plans, &payments, today, |_| false)
        .into_iter()
        .filter(|s| s.status != PlanStatus::Paid)
        .filter(|s| !f.overdue || s.status == PlanStatus::Overdue)
        .filter_map(|s| by_id.get(&s.plan.contract_id).cloned().map(|c| (s, c)))
        .collect();
    out.sort_by_key(|(s, _)| (s.plan.due_on, s.plan.id));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}
