//! The contract routes as operations that take the caller as they are now
//! ([`Principal`]) and run whole in the caller's transaction: the scope, the
//! custom values checked before anything is written, the rule, the audit.

use chrono::{DateTime, NaiveDate, Utc};
use domain::custom_fields::CustomEntity;
use serde_json::{Map, Value};

use super::{
    ContractChange, ContractError, ContractRow, NewContract, NewPayment, PaymentRow, PlanState, Result, find_visible,
};
use crate::scope::Principal;
use crate::{DbConn, custom_fields, settings};

const CONTRACT: CustomEntity = CustomEntity::Contract;

/// A contract and its custom values.
#[derive(Debug, Clone)]
pub struct ContractView {
    pub row: ContractRow,
    pub custom_fields: Map<String, Value>,
}

/// A step of a contract's approval flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Approve,
    Reject,
    Cancel,
}

/// One instalment of a payment plan, as asked.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub due_on: NaiveDate,
    pub amount: i64,
    pub currency: String,
}

fn with_values(conn: &mut DbConn, row: ContractRow) -> Result<ContractView> {
    let custom_fields = custom_fields::values_of(conn, CONTRACT, row.id)?;
    Ok(ContractView { row, custom_fields })
}

/// Drafts a contract on a customer the caller may change (`super::create`).
pub fn open(
    conn: &mut DbConn,
    by: &Principal,
    new: NewContract,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<ContractView> {
    by.acting(conn, |conn, actor| {
        let cells = custom_fields::check(conn, CONTRACT, custom, true)?.map_err(ContractError::CustomFields)?;
        let row = super::create(conn, actor, new, now)?;
        custom_fields::save(conn, CONTRACT, row.id, &cells)?;
        with_values(conn, row)
    })
}

/// Changes a draft in the caller's scope (`super::change`).
pub fn revise(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected: Option<i64>,
    change: ContractChange,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<ContractView> {
    by.acting(conn, |conn, actor| {
        let cells = custom_fields::check(conn, CONTRACT, custom, false)?.map_err(ContractError::CustomFields)?;
        let row = super::change(conn, actor, id, expected, change, now)?;
        custom_fields::save(conn, CONTRACT, row.id, &cells)?;
        with_values(conn, row)
    })
}

/// Takes a contract one step along its approval flow.
pub fn advance(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    step: Step,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ContractView> {
    by.acting(conn, |conn, actor| {
        let row = match step {
            Step::Submit => super::submit(conn, actor, id, now),
            Step::Approve => super::decide(conn, actor, id, true, note, now),
            Step::Reject => super::decide(conn, actor, id, false, note, now),
            Step::Cancel => super::cancel(conn, actor, id, now),
        }?;
        with_values(conn, row)
    })
}

/// Replaces a contract's payment plans (in the organisation's currency,
/// adding up to the contract's amount) and answers each plan's state today.
pub fn plan(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    plans: &[PlanInput],
    now: DateTime<Utc>,
) -> Result<(ContractRow, Vec<PlanState>)> {
    by.acting(conn, |conn, actor| {
        let policy = super::policy(conn)?;
        for (index, p) in plans.iter().enumerate() {
            policy
                .check_currency(&p.currency)
                .map_err(|w| ContractError::PlanCurrency {
                    index,
                    expected: w.expected,
                })?;
        }
        let list: Vec<(NaiveDate, i64)> = plans.iter().map(|p| (p.due_on, p.amount)).collect();
        super::set_plans(conn, actor, id, &list, now)?;
        let row = find_visible(conn, actor.scope, id)?.ok_or(ContractError::NotFound)?;
        let today = settings::today(conn, now)?;
        let (states, _) = super::collections_of(conn, &row, today)?;
        Ok((row, states))
    })
}

/// Records a payment (回款) in the organisation's currency on a contract in
/// the caller's scope; answers it with that currency.
pub fn collect(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    currency: &str,
    new: NewPayment,
    now: DateTime<Utc>,
) -> Result<(PaymentRow, String)> {
    by.acting(conn, |conn, actor| {
        let policy = super::policy(conn)?;
        super::check_currency(&policy, currency)?;
        Ok((super::pay(conn, actor, id, new, now)?, policy.currency))
    })
}
