//! The buying committee of a deal (#41 item 4): the customer's contacts with
//! their role in this deal and their stance, and whether the deal lacks a
//! decision maker (`domain::pipeline::committee`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::manage::DealError;
use super::{OpportunityRow, find_visible, stages_of};
use crate::schema::{contacts, deal_contacts};
use crate::scope::Principal;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_contacts)]
pub struct MemberRow {
    pub opportunity_id: i64,
    pub contact_id: i64,
    pub role: String,
    pub stance: String,
    pub note: Option<String>,
    pub updated_by: i64,
    pub updated_at: NaiveDateTime,
}

/// A contact's place on a deal as the rep records it.
#[derive(Debug, Clone)]
pub struct Member {
    /// decision_maker, recommender, influencer, user or gatekeeper.
    pub role: String,
    /// supporter, neutral or opponent.
    pub stance: String,
    pub note: Option<String>,
}

/// A deal's committee: each member with the contact's name, and whether
/// the deal lacks a decision maker at its stage.
#[derive(Debug, Clone)]
pub struct Committee {
    pub deal: OpportunityRow,
    pub members: Vec<(MemberRow, String)>,
    pub lacks_decision_maker: bool,
}

fn committee_of(conn: &mut DbConn, deal: OpportunityRow) -> Result<Committee, RepoError> {
    let members: Vec<(MemberRow, String)> = deal_contacts::table
        .inner_join(contacts::table)
        .filter(deal_contacts::opportunity_id.eq(deal.id))
        .filter(contacts::deleted_at.is_null())
        .order((contacts::name.asc(), contacts::id.asc()))
        .select((MemberRow::as_select(), contacts::name))
        .load(conn)?;
    let stages: Vec<_> = stages_of(conn, &[deal.pipeline_id])?
        .iter()
        .map(|s| (s.rule(), s.needs_decision_maker))
        .collect();
    let has = members.iter().any(|(m, _)| m.role == "decision_maker");
    Ok(Committee {
        lacks_decision_maker: domain::pipeline::committee::lacks_decision_maker(&stages, deal.stage_id, has),
        members,
        deal,
    })
}

/// The committee of deal `id` (one the caller may see).
pub fn committee(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Committee, DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    Ok(committee_of(conn, deal)?)
}

/// Puts contact `contact` (a live contact of the deal's customer) on the
/// committee of deal `id` (one the caller may see), or changes its place.
pub fn seat(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    contact: i64,
    m: &Member,
    now: DateTime<Utc>,
) -> Result<Committee, DealError> {
    super::lock(conn, id)?;
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    match crate::contacts::find_live(conn, contact) {
        Ok(c) if c.customer_id == deal.customer_id => {}
        Ok(_) | Err(RepoError::NotFound) => return Err(DealError::NoSuchContact),
        Err(e) => return Err(e.into()),
    }
    let n = diesel::update(
        deal_contacts::table
            .filter(deal_contacts::opportunity_id.eq(id))
            .filter(deal_contacts::contact_id.eq(contact)),
    )
    .set((
        deal_contacts::role.eq(&m.role),
        deal_contacts::stance.eq(&m.stance),
        deal_contacts::note.eq(&m.note),
        deal_contacts::updated_by.eq(by.user_id),
        deal_contacts::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        diesel::insert_into(deal_contacts::table)
            .values((
                deal_contacts::opportunity_id.eq(id),
                deal_contacts::contact_id.eq(contact),
                deal_contacts::role.eq(&m.role),
                deal_contacts::stance.eq(&m.stance),
                deal_contacts::note.eq(&m.note),
                deal_contacts::updated_by.eq(by.user_id),
                deal_contacts::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    Ok(committee_of(conn, deal)?)
}

/// Takes contact `contact` off the committee of deal `id`.
pub fn unseat(conn: &mut DbConn, by: &Principal, id: i64, contact: i64) -> Result<Committee, DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let n = diesel::delete(
        deal_contacts::table
            .filter(deal_contacts::opportunity_id.eq(id))
            .filter(deal_contacts::contact_id.eq(contact)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(DealError::NotSeated);
    }
    Ok(committee_of(conn, deal)?)
}
