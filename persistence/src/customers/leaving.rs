//! A leaving rep (离职交接): everything they hold moves in one transaction,
//! so nothing is left with an inactive owner. Their customers go to the
//! successor (or, those chosen, back to the pool), and so do their open leads
//! and their open deals, also deals on customers someone else owns.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;
use serde_json::json;

use super::handover::{Selection, hand_over_as};
use super::write::{Actor, CustomerWriteError, Result, check_assignable};
use crate::schema::{customers, leads, opportunities};
use crate::scope::Principal;
use crate::{DbConn, RepoError, audit, naive, pool, users};

/// What a leaver hands over, and to whom.
#[derive(Debug, Clone)]
pub struct Leaving {
    pub from: i64,
    pub to: i64,
    /// Keep the leaver as a read-only team member of each customer.
    pub keep_previous: bool,
    /// Customers of the leaver to release to the pool instead.
    pub release: Vec<i64>,
    pub release_reason: String,
}

/// What moved, each list in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandedOverAll {
    pub customer_ids: Vec<i64>,
    pub released_ids: Vec<i64>,
    pub lead_ids: Vec<i64>,
    pub opportunity_ids: Vec<i64>,
}

/// Hands over everything `l.from` holds, for a caller who reaches the
/// leaver (an admin, or a manager of the leaver's department subtree). A
/// customer to release that the leaver does not own is refused (nothing moves).
pub fn hand_over_all(conn: &mut DbConn, by: &Principal, l: &Leaving, now: DateTime<Utc>) -> Result<HandedOverAll> {
    by.acting(conn, |conn, actor| {
        let leaver = match users::find(conn, l.from) {
            Ok(u) => u,
            Err(RepoError::NotFound) => return Err(CustomerWriteError::NoSuchUser(l.from)),
            Err(e) => return Err(e.into()),
        };
        if let DataScope::Departments { departments, .. } = actor.scope
            && !leaver.department_id.is_some_and(|d| departments.contains(&d))
        {
            return Err(CustomerWriteError::NoSuchUser(l.from));
        }
        if l.from == l.to {
            return Err(CustomerWriteError::SameUser);
        }
        hand_over_leaving(conn, actor, l, now)
    })
}

fn hand_over_leaving(conn: &mut DbConn, actor: &Actor<'_>, l: &Leaving, now: DateTime<Utc>) -> Result<HandedOverAll> {
    check_assignable(conn, actor.scope, l.to)?;
    let mut release = l.release.clone();
    release.sort_unstable();
    release.dedup();
    for chunk in release.chunks(500) {
        let owned: Vec<i64> = customers::table
            .filter(customers::id.eq_any(chunk.to_vec()))
            .filter(customers::owner_id.eq(l.from))
            .filter(customers::deleted_at.is_null())
            .select(customers::id)
            .load(conn)?;
        if let Some(stray) = chunk.iter().find(|id| !owned.contains(id)) {
            return Err(CustomerWriteError::NotOwned(*stray));
        }
    }
    let released_ids = pool::release_owned(conn, &release, l.from, actor.user_id, &l.release_reason, now)?;
    let customer_ids = hand_over_as(conn, actor, Selection::OwnedBy(l.from), l.to, l.keep_previous, now)?.customer_ids;
    let mut opportunity_ids: Vec<i64> = diesel::update(
        opportunities::table
            .filter(opportunities::owner_id.eq(l.from))
            .filter(opportunities::status.eq("open")),
    )
    .set((
        opportunities::owner_id.eq(l.to),
        opportunities::version.eq(opportunities::version + 1),
        opportunities::updated_at.eq(naive(now)),
    ))
    .returning(opportunities::id)
    .get_results(conn)?;
    opportunity_ids.sort_unstable();
    let mut lead_ids: Vec<i64> = diesel::update(
        leads::table
            .filter(leads::owner_id.eq(l.from))
            .filter(leads::status.eq_any(crate::leads::OPEN)),
    )
    .set((
        leads::owner_id.eq(Some(l.to)),
        leads::assigned_at.eq(Some(naive(now))),
        leads::version.eq(leads::version + 1),
        leads::updated_at.eq(naive(now)),
    ))
    .returning(leads::id)
    .get_results(conn)?;
    lead_ids.sort_unstable();
    let detail = json!({
        "to_user_id": l.to,
        "customers": customer_ids.len(),
        "released": released_ids.len(),
        "leads": lead_ids.len(),
        "opportunities": opportunity_ids.len(),
    });
    audit::record(
        conn,
        "user",
        l.from,
        "handed_over",
        Some(actor.user_id),
        &detail.to_string(),
        now,
    )?;
    Ok(HandedOverAll {
        customer_ids,
        released_ids,
        lead_ids,
        opportunity_ids,
    })
}

/// Open work a user still holds: live customers, open leads, open deals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenWork {
    pub customers: i64,
    pub leads: i64,
    pub opportunities: i64,
}

impl OpenWork {
    pub fn is_empty(&self) -> bool {
        self.customers == 0 && self.leads == 0 && self.opportunities == 0
    }
}

pub fn open_work(conn: &mut DbConn, user_id: i64) -> std::result::Result<OpenWork, crate::RepoError> {
    Ok(OpenWork {
        customers: super::count_owned(conn, user_id)?,
        leads: leads::table
            .filter(leads::owner_id.eq(user_id))
            .filter(leads::status.eq_any(crate::leads::OPEN))
            .count()
            .get_result(conn)?,
        opportunities: opportunities::table
            .filter(opportunities::owner_id.eq(user_id))
            .filter(opportunities::status.eq("open"))
            .count()
            .get_result(conn)?,
    })
}
