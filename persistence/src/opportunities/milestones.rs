//! Milestones of a deal (#41 item 7, 里程碑): dated steps (demo, proposal,
//! trial, tender, signing) with an owner and a done date; an open deal's
//! milestones past their date and not done are its owner's reminders.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::vocabulary::DealStatus;

use super::find_visible;
use super::manage::DealError;
use crate::schema::{deal_milestones, opportunities};
use crate::scope::Principal;
use crate::users::Assignable;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_milestones)]
pub struct MilestoneRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub kind: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub owner_id: i64,
    pub done_on: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A milestone to add; its owner defaults to the caller.
#[derive(Debug, Clone)]
pub struct NewMilestone {
    pub kind: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub owner_id: Option<i64>,
}

/// A change of a milestone; `done_on: Some(None)` reopens it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = deal_milestones)]
pub struct MilestoneChange {
    pub title: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub owner_id: Option<i64>,
    pub done_on: Option<Option<NaiveDate>>,
}

/// The owner may be given the milestone by the caller (`domain::scope::may_assign`).
fn check_owner(conn: &mut DbConn, scope: &domain::scope::DataScope, owner: i64) -> Result<(), DealError> {
    match crate::users::assignable(conn, scope, owner)? {
        Assignable::Yes => Ok(()),
        Assignable::NotAllowed | Assignable::NoSuchUser => Err(DealError::NoSuchOwner(owner)),
    }
}

fn one(conn: &mut DbConn, deal: i64, id: i64) -> Result<MilestoneRow, DealError> {
    deal_milestones::table
        .filter(deal_milestones::id.eq(id))
        .filter(deal_milestones::opportunity_id.eq(deal))
        .select(MilestoneRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DealError::NoSuchMilestone)
}

/// Adds a milestone to deal `id` (one the caller may see).
pub fn add(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    m: &NewMilestone,
    now: DateTime<Utc>,
) -> Result<MilestoneRow, DealError> {
    let scope = by.scope(conn)?;
    find_visible(conn, id, &scope)?.ok_or(DealError::NotFound)?;
    let owner = m.owner_id.unwrap_or(by.user_id);
    check_owner(conn, &scope, owner)?;
    let new_id: i64 = diesel::insert_into(deal_milestones::table)
        .values((
            deal_milestones::opportunity_id.eq(id),
            deal_milestones::kind.eq(&m.kind),
            deal_milestones::title.eq(&m.title),
            deal_milestones::due_on.eq(m.due_on),
            deal_milestones::owner_id.eq(owner),
            deal_milestones::created_by.eq(by.user_id),
            deal_milestones::created_at.eq(naive(now)),
            deal_milestones::updated_at.eq(naive(now)),
        ))
        .returning(deal_milestones::id)
        .get_result(conn)?;
    one(conn, id, new_id)
}

/// The milestones of deal `id` (one the caller may see), by date.
pub fn milestones(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Vec<MilestoneRow>, DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    Ok(deal_milestones::table
        .filter(deal_milestones::opportunity_id.eq(id))
        .order((deal_milestones::due_on.asc(), deal_milestones::id.asc()))
        .select(MilestoneRow::as_select())
        .load(conn)?)
}

/// Changes milestone `milestone` of deal `id` (one the caller may see).
pub fn change(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    milestone: i64,
    c: &MilestoneChange,
    now: DateTime<Utc>,
) -> Result<MilestoneRow, DealError> {
    let scope = by.scope(conn)?;
    find_visible(conn, id, &scope)?.ok_or(DealError::NotFound)?;
    one(conn, id, milestone)?;
    if let Some(owner) = c.owner_id {
        check_owner(conn, &scope, owner)?;
    }
    diesel::update(deal_milestones::table.find(milestone))
        .set((c, deal_milestones::updated_at.eq(naive(now))))
        .execute(conn)?;
    one(conn, id, milestone)
}

/// Removes milestone `milestone` of deal `id` (one the caller may see).
pub fn remove(conn: &mut DbConn, by: &Principal, id: i64, milestone: i64) -> Result<(), DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    one(conn, id, milestone)?;
    diesel::delete(deal_milestones::table.find(milestone)).execute(conn)?;
    Ok(())
}

/// `owner`'s milestones of open deals due before `today` and not done,
/// oldest first, with their deal's title.
pub fn overdue_of(
    conn: &mut DbConn,
    owner: i64,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<(MilestoneRow, String)>, RepoError> {
    Ok(deal_milestones::table
        .inner_join(opportunities::table)
        .filter(deal_milestones::owner_id.eq(owner))
        .filter(deal_milestones::done_on.is_null())
        .filter(deal_milestones::due_on.lt(today))
        .filter(opportunities::status.eq(DealStatus::Open.as_str()))
        .order((deal_milestones::due_on.asc(), deal_milestones::id.asc()))
        .limit(limit)
        .select((MilestoneRow::as_select(), opportunities::title))
        .load(conn)?)
}
