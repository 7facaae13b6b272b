//! Contracts (合同) as business operations: the organisation's contract
//! rules, create and edit drafts, cancel, read and list in scope. Approval
//! is in `approval`, payment plans and payments in `collections`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::contracts::ContractPolicy;
use domain::scope::{Access, DataScope};
use domain::vocabulary::ContractStatus;
use serde_json::json;

use crate::conn::MultiBackend;
use crate::customers;
use crate::schema::{contracts as k, opportunities, payments, users};
use crate::scope::{Actor, Reach};
use crate::{DbConn, RepoError, audit, naive, settings};

mod approval;
mod collections;
mod error;
mod manage;

pub use approval::*;
pub use collections::*;
pub use error::ContractError;
pub use manage::{ContractView, PlanInput, Step, advance, collect, open, plan, revise};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = k)]
pub struct ContractRow {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub title: String,
    pub amount: i64,
    pub currency: String,
    pub signed_on: NaiveDate,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub owner_id: i64,
    pub department_id: Option<i64>,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub decision_note: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ContractRow {
    pub fn state(&self) -> std::result::Result<ContractStatus, RepoError> {
        self.status.parse().map_err(|e| RepoError::Corrupt(format!("{e}")))
    }
}

const SETTING: &str = "contracts";

/// The organisation's contract rules (the defaults until an admin saves some).
pub fn policy(conn: &mut DbConn) -> std::result::Result<ContractPolicy, RepoError> {
    match settings::get(conn, SETTING)? {
        None => Ok(ContractPolicy::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored contract settings are unreadable: {e}"))),
    }
}

pub fn set_policy(
    conn: &mut DbConn,
    p: &ContractPolicy,
    actor: i64,
    now: DateTime<Utc>,
) -> std::result::Result<(), RepoError> {
    let json = serde_json::to_string(p).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    settings::put(conn, SETTING, &json)?;
    audit::record(
        conn,
        "settings",
        0,
        "contract_settings_changed",
        Some(actor),
        &json,
        now,
    )
}

#[derive(Debug, Clone)]
pub struct NewContract {
    pub number: String,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub title: String,
    pub amount: i64,
    pub currency: String,
    pub signed_on: NaiveDate,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// Fields of a draft to change; `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct ContractChange {
    pub number: Option<String>,
    pub title: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
}

pub type Result<T> = std::result::Result<T, ContractError>;

type Boxed<'q> = k::BoxedQuery<'q, MultiBackend>;

/// The contracts `scope` may see: an admin all, a manager those owned in
/// their department subtree, a rep their own.
pub(crate) fn scoped<'q>(q: Boxed<'q>, scope: &DataScope) -> Boxed<'q> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            k::owner_id.eq(*user_id).or(k::owner_id.eq_any(
                users::table
                    .filter(users::department_id.eq_any(departments.clone()))
                    .select(users::id),
            )),
        ),
        DataScope::Own { user_id } => q.filter(k::owner_id.eq(*user_id)),
    }
}

pub fn find_visible(
    conn: &mut DbConn,
    by: &impl Reach,
    id: i64,
) -> std::result::Result<Option<ContractRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    Ok(scoped(k::table.filter(k::id.eq(id)).into_boxed(), scope)
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?)
}

fn reload(conn: &mut DbConn, id: i64) -> Result<ContractRow> {
    Ok(k::table.find(id).select(ContractRow::as_select()).first(conn)?)
}

fn check_currency(policy: &ContractPolicy, currency: &str) -> Result<()> {
    policy
        .check_currency(currency)
        .map_err(|w| ContractError::Currency { expected: w.expected })
}

fn check_dates(starts: Option<NaiveDate>, ends: Option<NaiveDate>) -> Result<()> {
    match (starts, ends) {
        (Some(s), Some(e)) if e < s => Err(ContractError::Dates),
        _ => Ok(()),
    }
}

/// Creates a draft contract on a customer the actor works, owned by the
/// customer's owner (the actor for a pool customer), in their department.
pub fn create(conn: &mut DbConn, actor: &Actor<'_>, new: NewContract, now: DateTime<Utc>) -> Result<ContractRow> {
    let (customer, access) =
        customers::find_visible(conn, new.customer_id, actor.scope, false, now)?.ok_or(ContractError::NotFound)?;
    if access != Access::Write {
        return Err(ContractError::ReadOnly);
    }
    if let Some(deal) = new.opportunity_id {
        let ok: i64 = opportunities::table
            .filter(opportunities::id.eq(deal))
            .filter(opportunities::customer_id.eq(customer.id))
            .count()
            .get_result(conn)?;
        if ok == 0 {
            return Err(ContractError::NoSuchDeal(deal));
        }
    }
    let policy = policy(conn)?;
    check_currency(&policy, &new.currency)?;
    check_dates(new.starts_on, new.ends_on)?;
    let owner = customer.owner_id.unwrap_or(actor.user_id);
    let department: Option<i64> = users::table.find(owner).select(users::department_id).first(conn)?;
    let inserted = conn.transaction(|c| {
        diesel::insert_into(k::table)
            .values((
                k::number.eq(&new.number),
                k::customer_id.eq(customer.id),
                k::opportunity_id.eq(new.opportunity_id),
                k::title.eq(&new.title),
                k::amount.eq(new.amount),
                k::currency.eq(&policy.currency),
                k::signed_on.eq(new.signed_on),
                k::starts_on.eq(new.starts_on),
                k::ends_on.eq(new.ends_on),
                k::owner_id.eq(owner),
                k::department_id.eq(department),
                k::status.eq(ContractStatus::Draft.as_str()),
                k::created_by.eq(Some(actor.user_id)),
                k::created_at.eq(naive(now)),
                k::updated_at.eq(naive(now)),
            ))
            .returning(k::id)
            .get_result::<i64>(c)
    });
    let id = inserted.map_err(RepoError::from)?;
    let detail = json!({ "number": new.number, "amount": new.amount, "customer_id": customer.id }).to_string();
    audit::record(conn, "contract", id, "created", Some(actor.user_id), &detail, now)?;
    reload(conn, id)
}

/// Changes a draft; `expected` is the If-Match version, if any.
pub fn change(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: i64,
    expected: Option<i64>,
    c: ContractChange,
    now: DateTime<Utc>,
) -> Result<ContractRow> {
    let row = locked_visible(conn, actor.scope, id)?;
    if expected.is_some_and(|v| v != row.version) {
        return Err(ContractError::Repo(RepoError::Stale));
    }
    domain::contracts::may_edit(row.state()?).map_err(ContractError::State)?;
    if let Some(cur) = &c.currency {
        check_currency(&policy(conn)?, cur)?;
    }
    let starts = c.starts_on.unwrap_or(row.starts_on);
    let ends = c.ends_on.unwrap_or(row.ends_on);
    check_dates(starts, ends)?;
    let number = c.number.unwrap_or(row.number.clone());
    let updated = conn.transaction(|conn| {
        diesel::update(k::table.filter(k::id.eq(id)).filter(k::version.eq(row.version)))
            .set((
                k::number.eq(&number),
                k::title.eq(c.title.unwrap_or(row.title.clone())),
                k::amount.eq(c.amount.unwrap_or(row.amount)),
                k::signed_on.eq(c.signed_on.unwrap_or(row.signed_on)),
                k::starts_on.eq(starts),
                k::ends_on.eq(ends),
                k::version.eq(k::version + 1),
                k::updated_at.eq(naive(now)),
            ))
            .execute(conn)
    });
    if updated.map_err(RepoError::from)? == 0 {
        return Err(ContractError::Repo(RepoError::Stale));
    }
    audit::record(conn, "contract", id, "updated", Some(actor.user_id), "{}", now)?;
    reload(conn, id)
}

/// Takes contract `id`'s row lock, then reads it (`None` outside `scope`):
/// every state change and payment of a contract does this first, so any
/// two of them serialise on both databases and each decides on the row as
/// the other left it (a cancel and a payment sent together: one of them is
/// refused).
fn lock(conn: &mut DbConn, id: i64) -> std::result::Result<(), RepoError> {
    diesel::update(k::table.find(id))
        .set(k::version.eq(k::version))
        .execute(conn)?;
    Ok(())
}

/// The contract `id` in `scope`, read under its row lock ([`lock`]): one
/// read, after the lock. A contract outside the scope is locked only until
/// the refused operation's transaction rolls back.
pub(crate) fn locked_visible(conn: &mut DbConn, scope: &DataScope, id: i64) -> Result<ContractRow> {
    lock(conn, id)?;
    find_visible(conn, scope, id)?.ok_or(ContractError::NotFound)
}

/// A contract's plans, if it has any, add up to its amount: checked when a
/// draft is submitted, since the amount may have been amended after the
/// plans were set (422 naming the difference, as setting plans does).
fn plans_add_up(conn: &mut DbConn, row: &ContractRow) -> Result<()> {
    use crate::schema::payment_plans as pp;
    let amounts: Vec<i64> = pp::table
        .filter(pp::contract_id.eq(row.id))
        .select(pp::amount)
        .load(conn)?;
    if amounts.is_empty() {
        return Ok(());
    }
    match domain::targets::check_manual(row.amount, &amounts) {
        Err(domain::targets::ManualError::DoesNotAddUp(m)) => Err(ContractError::PlansDoNotAddUp {
            total: m.total,
            sum: m.sum,
            difference: m.difference,
        }),
        _ => Ok(()),
    }
}

/// Cancels a contract that has no payments.
pub fn cancel(conn: &mut DbConn, actor: &Actor<'_>, id: i64, now: DateTime<Utc>) -> Result<ContractRow> {
    let row = locked_visible(conn, actor.scope, id)?;
    let paid: i64 = payments::table
        .filter(payments::contract_id.eq(id))
        .count()
        .get_result(conn)?;
    domain::contracts::may_cancel(row.state()?, paid > 0).map_err(ContractError::State)?;
    diesel::update(k::table.find(id).filter(k::status.eq(&row.status)))
        .set((
            k::status.eq(ContractStatus::Cancelled.as_str()),
            k::cancelled_at.eq(Some(naive(now))),
            k::version.eq(k::version + 1),
            k::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    let detail = json!({ "status": [row.status, "cancelled"] }).to_string();
    audit::record(conn, "contract", id, "cancelled", Some(actor.user_id), &detail, now)?;
    reload(conn, id)
}

#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub status: Option<String>,
    pub customer_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub updated_since: Option<DateTime<Utc>>,
    /// One custom field's value: the field id and the filter.
    pub custom: Option<(i64, domain::custom_fields::Filter)>,
}

/// The contracts `scope` may see, by id, after `after`.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &ContractFilter,
    after: Option<i64>,
    limit: u32,
) -> std::result::Result<Vec<ContractRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(k::table.into_boxed(), scope);
    if let Some(s) = &f.status {
        q = q.filter(k::status.eq(s.clone()));
    }
    if let Some(c) = f.customer_id {
        q = q.filter(k::customer_id.eq(c));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(k::owner_id.eq(o));
    }
    if let Some(t) = f.updated_since {
        q = q.filter(k::updated_at.ge(naive(t)));
    }
    if let Some(custom) = &f.custom {
        q = crate::custom_filter!(q, k::id, domain::custom_fields::CustomEntity::Contract, custom);
    }
    if let Some(a) = after {
        q = q.filter(k::id.gt(a));
    }
    Ok(q.order(k::id.asc())
        .limit(i64::from(limit))
        .select(ContractRow::as_select())
        .load(conn)?)
}
