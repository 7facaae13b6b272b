//! Coaching a deal (#41 item 2): the rep's status analysis (目前状况分析),
//! each one kept with the stage it was written in, and the thread of
//! comments between rep and manager. A comment by someone else than the
//! owner tells the owner (`deal.commented` in their notifications); an
//! analysis asking for help tells the manager (`deal.help_wanted`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::vocabulary::DealStatus;

use super::manage::DealError;
use super::{OpportunityRow, find_visible};
use crate::schema::{deal_analyses, deal_comments};
use crate::scope::Principal;
use crate::{DbConn, RepoError, events, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_analyses)]
pub struct AnalysisRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub stage_id: i64,
    pub situation: String,
    pub next_step: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    pub risks: Option<String>,
    pub help_wanted: Option<String>,
    pub written_by: i64,
    pub written_at: NaiveDateTime,
}

/// A status analysis as the rep writes it.
#[derive(Debug, Clone, Default)]
pub struct NewAnalysis {
    pub situation: String,
    pub next_step: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    pub risks: Option<String>,
    /// What the rep needs from their manager; tells the manager.
    pub help_wanted: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_comments)]
pub struct CommentRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// Tells the deal's owner and their managers (the notifications feed)
/// `kind` about `deal`, with `facts` beside the deal's own.
fn tell(
    conn: &mut DbConn,
    kind: EventKind,
    deal: &OpportunityRow,
    actor: i64,
    facts: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut data = serde_json::json!({
        "id": deal.id, "title": deal.title, "customer_id": deal.customer_id, "owner_id": deal.owner_id,
    });
    if let (Some(d), Some(f)) = (data.as_object_mut(), facts.as_object()) {
        d.extend(f.clone());
    }
    let event = events::about(
        kind,
        "opportunity",
        deal.id,
        &deal.title,
        Some(deal.owner_id),
        Some(actor),
        data,
    );
    events::emit(conn, event, now)?;
    Ok(())
}

/// The first characters of a text, for an event's summary and data.
fn gist(text: &str) -> String {
    const LONGEST: usize = 200;
    text.chars().take(LONGEST).collect()
}

/// Writes a status analysis of open deal `id` (one the caller may see), in
/// its current stage.
pub fn analyse(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    a: &NewAnalysis,
    now: DateTime<Utc>,
) -> Result<AnalysisRow, DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let status: DealStatus = deal
        .status
        .parse()
        .map_err(|e: domain::vocabulary::UnknownWord| RepoError::Corrupt(e.to_string()))?;
    if status != DealStatus::Open {
        return Err(DealError::Judgement(
            domain::pipeline::judgement::JudgementError::Closed(status),
        ));
    }
    let new_id: i64 = diesel::insert_into(deal_analyses::table)
        .values((
            deal_analyses::opportunity_id.eq(id),
            deal_analyses::stage_id.eq(deal.stage_id),
            deal_analyses::situation.eq(&a.situation),
            deal_analyses::next_step.eq(&a.next_step),
            deal_analyses::next_step_on.eq(a.next_step_on),
            deal_analyses::risks.eq(&a.risks),
            deal_analyses::help_wanted.eq(&a.help_wanted),
            deal_analyses::written_by.eq(by.user_id),
            deal_analyses::written_at.eq(naive(now)),
        ))
        .returning(deal_analyses::id)
        .get_result(conn)?;
    let row: AnalysisRow = deal_analyses::table
        .find(new_id)
        .select(AnalysisRow::as_select())
        .first(conn)?;
    if let Some(help) = &a.help_wanted {
        let facts = serde_json::json!({ "analysis_id": row.id, "help_wanted": gist(help), "stage_id": deal.stage_id });
        tell(conn, EventKind::DealHelpWanted, &deal, by.user_id, facts, now)?;
    }
    Ok(row)
}

/// The status analyses of deal `id` (one the caller may see), newest
/// first, before analysis `before` when given.
pub fn analyses(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AnalysisRow>, DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let mut q = deal_analyses::table
        .filter(deal_analyses::opportunity_id.eq(id))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(deal_analyses::id.lt(b));
    }
    Ok(q.order(deal_analyses::id.desc())
        .limit(limit)
        .select(AnalysisRow::as_select())
        .load(conn)?)
}

/// Adds a comment to the thread of deal `id` (one the caller may see); a
/// comment by someone else than the owner tells the owner.
pub fn comment(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<CommentRow, DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let new_id: i64 = diesel::insert_into(deal_comments::table)
        .values((
            deal_comments::opportunity_id.eq(id),
            deal_comments::author_id.eq(by.user_id),
            deal_comments::body.eq(body),
            deal_comments::created_at.eq(naive(now)),
        ))
        .returning(deal_comments::id)
        .get_result(conn)?;
    let row: CommentRow = deal_comments::table
        .find(new_id)
        .select(CommentRow::as_select())
        .first(conn)?;
    if by.user_id != deal.owner_id {
        let facts = serde_json::json!({ "comment_id": row.id, "author_id": by.user_id, "body": gist(body) });
        tell(conn, EventKind::DealCommented, &deal, by.user_id, facts, now)?;
    }
    Ok(row)
}

/// The thread of deal `id` (one the caller may see), oldest first, after
/// comment `after` when given.
pub fn comments(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<CommentRow>, DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let mut q = deal_comments::table
        .filter(deal_comments::opportunity_id.eq(id))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(deal_comments::id.gt(a));
    }
    Ok(q.order(deal_comments::id.asc())
        .limit(limit)
        .select(CommentRow::as_select())
        .load(conn)?)
}
