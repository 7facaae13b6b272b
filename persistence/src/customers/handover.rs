//! Handing customers over (客户转移): a selection, or every customer of a
//! leaving rep, to another user in one transaction. Set-based: a few
//! statements per 500 customers (owners, open deals, team members, audit
//! trail), not several per customer, so 10,000 customers move in well under a
//! second.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::scope::DataScope;
use serde_json::json;

use super::write::{Actor, CustomerWriteError, Result, check_assignable};
use crate::schema::{audit_events, contracts, customer_members, customers, opportunities, users};
use crate::scope::Principal;
use crate::{DbConn, RepoError, naive};

/// Ids per statement (far below SQLite's and PostgreSQL's parameter limits).
const CHUNK: usize = 500;

/// Which customers move.
#[derive(Debug, Clone)]
pub enum Selection {
    /// These customers; every one must be live and in the actor's scope.
    Ids(Vec<i64>),
    /// Every live customer this user owns.
    OwnedBy(i64),
}

/// The customers that changed owner, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandedOver {
    pub customer_ids: Vec<i64>,
}

/// Gives the selected customers to `to`: each old owner becomes the previous
/// owner (and, with `keep_previous`, a read-only team member), the open deals
/// the old owner worked move along, the pool clock restarts, and every move is
/// in the audit trail. All or nothing.
pub fn hand_over(
    conn: &mut DbConn,
    by: &Principal,
    selection: Selection,
    to: i64,
    keep_previous: bool,
    now: DateTime<Utc>,
) -> Result<HandedOver> {
    by.acting(conn, |conn, actor| {
        hand_over_as(conn, actor, selection, to, keep_previous, now)
    })
}

/// [`hand_over`] for an operation that already acts (a leaving user's handover).
pub(super) fn hand_over_as(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    selection: Selection,
    to: i64,
    keep_previous: bool,
    now: DateTime<Utc>,
) -> Result<HandedOver> {
    check_assignable(conn, actor.scope, to)?;
    let owners: Vec<(i64, Option<i64>)> = match selection {
        Selection::OwnedBy(from) => customers::table
            .filter(customers::owner_id.eq(from))
            .filter(customers::deleted_at.is_null())
            .order(customers::id.asc())
            .select((customers::id, customers::owner_id))
            .load(conn)?,
        Selection::Ids(mut ids) => {
            ids.sort_unstable();
            ids.dedup();
            let found = in_scope(conn, actor.scope, &ids, now)?;
            if found.len() != ids.len() {
                return Err(CustomerWriteError::NotFound);
            }
            found
        }
    };
    // grouped by old owner: deals and members follow per owner
    let mut by_owner: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for (id, owner) in owners.into_iter().filter(|(_, o)| *o != Some(to)) {
        by_owner.entry(owner).or_default().push(id);
    }
    let mut moved = Vec::new();
    for (old, ids) in &by_owner {
        for chunk in ids.chunks(CHUNK) {
            move_chunk(conn, chunk, *old, to, keep_previous, now)?;
            record(conn, chunk, *old, to, actor.user_id, now)?;
            let items: Vec<(i64, Option<i64>)> = chunk.iter().map(|id| (*id, Some(to))).collect();
            let from = json!({"previous_owner_id": old});
            crate::events::about_customers(
                conn,
                EventKind::CustomerOwnerChanged,
                &items,
                Some(actor.user_id),
                from,
                now,
            )?;
        }
        moved.extend_from_slice(ids);
    }
    moved.sort_unstable();
    Ok(HandedOver { customer_ids: moved })
}

/// `(id, owner)` of the live customers among `ids` the scope may change (a
/// transfer is for managers and admins, whose readable customers are their
/// writable ones).
fn in_scope(
    conn: &mut DbConn,
    scope: &DataScope,
    ids: &[i64],
    now: DateTime<Utc>,
) -> std::result::Result<Vec<(i64, Option<i64>)>, RepoError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let q = customers::table
            .filter(customers::id.eq_any(chunk.to_vec()))
            .filter(customers::deleted_at.is_null())
            .into_boxed();
        let rows: Vec<(i64, Option<i64>)> = super::scoped(q, scope, naive(now))
            .select((customers::id, customers::owner_id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

fn move_chunk(
    conn: &mut DbConn,
    ids: &[i64],
    old: Option<i64>,
    to: i64,
    keep_previous: bool,
    now: DateTime<Utc>,
) -> std::result::Result<(), RepoError> {
    let ids_vec = ids.to_vec();
    diesel::update(customers::table.filter(customers::id.eq_any(ids_vec.clone())))
        .set((
            customers::previous_owner_id.eq(customers::owner_id),
            customers::owner_id.eq(Some(to)),
            customers::owned_since.eq(Some(naive(now))),
            customers::pooled_at.eq(None::<chrono::NaiveDateTime>),
            customers::pool_reason.eq(None::<String>),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    diesel::delete(
        customer_members::table
            .filter(customer_members::customer_id.eq_any(ids_vec.clone()))
            .filter(customer_members::user_id.eq(to)),
    )
    .execute(conn)?;
    let Some(prev) = old else {
        return Ok(());
    };
    // open deals the old owner worked on these customers move with them
    diesel::update(
        opportunities::table
            .filter(opportunities::customer_id.eq_any(ids_vec.clone()))
            .filter(opportunities::owner_id.eq(prev))
            .filter(opportunities::status.eq("open")),
    )
    .set((
        opportunities::owner_id.eq(to),
        opportunities::version.eq(opportunities::version + 1),
        opportunities::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    // and so do their contracts: payments from now on count for the new owner
    let department: Option<i64> = users::table.find(to).select(users::department_id).first(conn)?;
    diesel::update(
        contracts::table
            .filter(contracts::customer_id.eq_any(ids_vec.clone()))
            .filter(contracts::owner_id.eq(prev))
            .filter(contracts::status.ne("cancelled")),
    )
    .set((
        contracts::owner_id.eq(to),
        contracts::department_id.eq(department),
        contracts::version.eq(contracts::version + 1),
        contracts::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if keep_previous {
        diesel::delete(
            customer_members::table
                .filter(customer_members::customer_id.eq_any(ids_vec))
                .filter(customer_members::user_id.eq(prev)),
        )
        .execute(conn)?;
        let rows: Vec<_> = ids
            .iter()
            .map(|id| {
                (
                    customer_members::customer_id.eq(*id),
                    customer_members::user_id.eq(prev),
                    customer_members::access.eq("read_only"),
                    customer_members::created_at.eq(naive(now)),
                )
            })
            .collect();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(customer_members::table).values(rows).execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(customer_members::table).values(rows).execute(c)?,
        };
    }
    Ok(())
}

/// One audit event per moved customer, in one multi-row INSERT.
fn record(
    conn: &mut DbConn,
    ids: &[i64],
    old: Option<i64>,
    to: i64,
    actor: i64,
    now: DateTime<Utc>,
) -> std::result::Result<(), RepoError> {
    let detail = json!({"owner_id": [old, to]}).to_string();
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                audit_events::entity.eq("customer"),
                audit_events::entity_id.eq(*id),
                audit_events::action.eq("transferred"),
                audit_events::actor_id.eq(Some(actor)),
                audit_events::detail.eq(detail.as_str()),
                audit_events::at.eq(naive(now)),
            )
        })
        .collect();
    match conn {
        DbConn::Pg(c) => diesel::insert_into(audit_events::table).values(rows).execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(audit_events::table).values(rows).execute(c)?,
    };
    Ok(())
}
