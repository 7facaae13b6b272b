//! Competitors (#41 item 5): the admin's catalogue (name, strengths,
//! weaknesses, price position), the competitors in play on each deal with
//! their offer and our position, and the facts of the win/loss report.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;

use crate::opportunities::{DealError, deal_scope, find_visible};
use crate::reports::{ReportFilter, deal_filter};
use crate::schema::{competitors, deal_competitors, opportunities};
use crate::scope::{Principal, Reach};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = competitors)]
pub struct CompetitorRow {
    pub id: i64,
    pub name: String,
    pub strengths: Option<String>,
    pub weaknesses: Option<String>,
    pub price_position: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A catalogue entry as the admin writes it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = competitors)]
pub struct CompetitorChange {
    pub name: Option<String>,
    pub strengths: Option<Option<String>>,
    pub weaknesses: Option<Option<String>>,
    pub price_position: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompetitorError {
    #[error("no such competitor")]
    NotFound,
    #[error("a competitor has this name")]
    NameTaken,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<diesel::result::Error> for CompetitorError {
    fn from(e: diesel::result::Error) -> Self {
        match RepoError::from(e) {
            RepoError::Conflict { .. } => CompetitorError::NameTaken,
            other => CompetitorError::Repo(other),
        }
    }
}

impl crate::Explain for CompetitorError {
    fn explain(self) -> Result<domain::problem::Refused, RepoError> {
        use domain::problem::{ErrorCode, Refused};
        match self {
            CompetitorError::NotFound => Ok(Refused::not_found("competitor")),
            CompetitorError::NameTaken => Ok(Refused::taken(
                ErrorCode::CodeTaken,
                "name",
                "a competitor has this name",
            )),
            CompetitorError::Repo(e) => Err(e),
        }
    }
}

fn find(conn: &mut DbConn, id: i64) -> Result<CompetitorRow, CompetitorError> {
    competitors::table
        .find(id)
        .select(CompetitorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(CompetitorError::NotFound)
}

/// Adds a competitor to the catalogue (admin).
pub fn create(conn: &mut DbConn, c: &CompetitorChange, now: DateTime<Utc>) -> Result<CompetitorRow, CompetitorError> {
    let id: i64 = diesel::insert_into(competitors::table)
        .values((
            competitors::name.eq(c.name.clone().unwrap_or_default()),
            competitors::strengths.eq(c.strengths.clone().flatten()),
            competitors::weaknesses.eq(c.weaknesses.clone().flatten()),
            competitors::price_position.eq(c.price_position.clone().flatten()),
            competitors::active.eq(c.active.unwrap_or(true)),
            competitors::created_at.eq(naive(now)),
            competitors::updated_at.eq(naive(now)),
        ))
        .returning(competitors::id)
        .get_result(conn)?;
    find(conn, id)
}

/// Changes a catalogue entry (admin).
pub fn change(
    conn: &mut DbConn,
    id: i64,
    c: &CompetitorChange,
    now: DateTime<Utc>,
) -> Result<CompetitorRow, CompetitorError> {
    find(conn, id)?;
    diesel::update(competitors::table.find(id))
        .set((c, competitors::updated_at.eq(naive(now))))
        .execute(conn)?;
    find(conn, id)
}

/// The catalogue, by name; only active entries unless `all`.
pub fn list(conn: &mut DbConn, all: bool) -> Result<Vec<CompetitorRow>, RepoError> {
    let mut q = competitors::table.into_boxed();
    if !all {
        q = q.filter(competitors::active.eq(true));
    }
    Ok(q.order((competitors::name.asc(), competitors::id.asc()))
        .select(CompetitorRow::as_select())
        .load(conn)?)
}

/// A competitor in play on a deal.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_competitors)]
pub struct InPlayRow {
    pub opportunity_id: i64,
    pub competitor_id: i64,
    pub offer_amount: Option<i64>,
    pub position: String,
    pub note: Option<String>,
    pub added_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a rep records of a competitor on a deal.
#[derive(Debug, Clone)]
pub struct InPlay {
    /// Their offer in the deal's currency, minor units.
    pub offer_amount: Option<i64>,
    /// Our position against them: `ahead`, `even` or `behind`.
    pub position: String,
    pub note: Option<String>,
}

fn in_play_of(conn: &mut DbConn, deal: i64) -> Result<Vec<(InPlayRow, String)>, RepoError> {
    Ok(deal_competitors::table
        .inner_join(competitors::table)
        .filter(deal_competitors::opportunity_id.eq(deal))
        .order((competitors::name.asc(), competitors::id.asc()))
        .select((InPlayRow::as_select(), competitors::name))
        .load(conn)?)
}

/// The competitors in play on deal `id` (one the caller may see), with their names.
pub fn of_deal(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Vec<(InPlayRow, String)>, DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    Ok(in_play_of(conn, id)?)
}

/// Records (or updates) competitor `competitor` (an active one) on deal
/// `id` (one the caller may see); `Ok(true)` when it was newly added.
pub fn put(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    competitor: i64,
    p: &InPlay,
    now: DateTime<Utc>,
) -> Result<(bool, Vec<(InPlayRow, String)>), DealError> {
    crate::opportunities::lock(conn, id)?;
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let active: Option<bool> = competitors::table
        .find(competitor)
        .select(competitors::active)
        .first(conn)
        .optional()?;
    if active != Some(true) {
        return Err(DealError::NoSuchCompetitor(competitor));
    }
    let n = diesel::update(
        deal_competitors::table
            .filter(deal_competitors::opportunity_id.eq(id))
            .filter(deal_competitors::competitor_id.eq(competitor)),
    )
    .set((
        deal_competitors::offer_amount.eq(p.offer_amount),
        deal_competitors::position.eq(&p.position),
        deal_competitors::note.eq(&p.note),
        deal_competitors::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        diesel::insert_into(deal_competitors::table)
            .values((
                deal_competitors::opportunity_id.eq(id),
                deal_competitors::competitor_id.eq(competitor),
                deal_competitors::offer_amount.eq(p.offer_amount),
                deal_competitors::position.eq(&p.position),
                deal_competitors::note.eq(&p.note),
                deal_competitors::added_by.eq(by.user_id),
                deal_competitors::created_at.eq(naive(now)),
                deal_competitors::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    Ok((n == 0, in_play_of(conn, id)?))
}

/// Takes competitor `competitor` off deal `id` (one the caller may see).
pub fn remove(conn: &mut DbConn, by: &Principal, id: i64, competitor: i64) -> Result<(), DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let n = diesel::delete(
        deal_competitors::table
            .filter(deal_competitors::opportunity_id.eq(id))
            .filter(deal_competitors::competitor_id.eq(competitor)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(DealError::NoSuchCompetitor(competitor));
    }
    Ok(())
}

/// The closed deals (won or lost between `from` and `to`) the caller may
/// see, narrowed by `filter`, with each competitor in play on them, for `domain::reports::competition`.
pub fn met(
    conn: &mut DbConn,
    by: &impl Reach,
    filter: &ReportFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<domain::reports::competition::Met>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let q = deal_competitors::table
        .inner_join(opportunities::table)
        .filter(opportunities::status.eq_any(["won", "lost"]))
        .filter(opportunities::closed_at.ge(naive(from)))
        .filter(opportunities::closed_at.lt(naive(to)))
        .select((
            opportunities::id,
            deal_competitors::competitor_id,
            opportunities::status,
            opportunities::amount,
            opportunities::lost_to_competitor_id,
            opportunities::lost_reason,
        ))
        .into_boxed::<crate::conn::MultiBackend>();
    type Row = (i64, i64, String, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Row> = deal_filter!(conn, deal_scope!(q, scope), filter).load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(deal_id, competitor_id, status, amount, lost_to, lost_reason)| domain::reports::competition::Met {
                deal_id,
                competitor_id,
                won: status == "won",
                amount: amount.unwrap_or(0),
                lost_to,
                lost_reason,
            },
        )
        .collect())
}
