//! Moving a deal between stages as one operation: under the deal's row lock,
//! check the If-Match version, judge the move by `domain::pipeline::transition`,
//! write the deal, its stage change and the audit event; a won deal marks its
//! customer dealt.

use chrono::{DateTime, Utc};
use domain::pipeline::{DealFacts, MoveError, MoveRequest, Policy, Status, stage_change, transition_checked};
use domain::scope::DataScope;
use serde_json::json;

use super::{OpportunityChangeset, OpportunityRow, find_visible, lock, pipeline, record_change, stages_of, update};
use crate::scope::Reach;
use crate::{DbConn, RepoError, audit};

/// A move asked for.
#[derive(Debug, Clone)]
pub struct Move {
    pub to_stage: i64,
    pub lost_reason: Option<String>,
    /// Managers and admins may reopen closed deals.
    pub by_manager: bool,
    /// The competitor a move to lost loses the deal to.
    pub lost_to: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MoveFailure {
    #[error("no such deal in your scope")]
    NotFound,
    #[error("the deal changed since it was read")]
    Stale,
    #[error("the move breaks the pipeline's rules")]
    Refused(Vec<MoveError>),
    /// `lost_to` names no active competitor.
    #[error("there is no active competitor {0}")]
    NoSuchCompetitor(i64),
    /// `lost_to` on a move that does not lose the deal.
    #[error("a deal is lost to a competitor only by a move to a lost stage")]
    LostToNotLost,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for MoveFailure {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use MoveFailure as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("opportunity"),
            E::Stale => return Err(RepoError::Stale),
            E::NoSuchCompetitor(id) => Refused::field(
                "lost_to_competitor_id",
                FieldCode::NotFound,
                format!("there is no active competitor {id}"),
            ),
            E::LostToNotLost => Refused::field(
                "lost_to_competitor_id",
                FieldCode::DependsOn,
                "a deal is lost to a competitor only by a move to a lost stage",
            ),
            E::Refused(errors) => Refused::fields(
                errors
                    .iter()
                    .map(|e| domain::problem::FieldError::new(e.field(), FieldCode::Transition, e.to_string()))
                    .collect(),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Moves deal `id` as `actor` asks; `expected` is the If-Match version, if any.
pub fn move_stage(
    conn: &mut DbConn,
    by: &impl Reach,
    actor: i64,
    id: i64,
    expected: Option<i64>,
    m: &Move,
    now: DateTime<Utc>,
) -> Result<OpportunityRow, MoveFailure> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    lock(conn, id)?;
    let deal = find_visible(conn, id, scope)?.ok_or(MoveFailure::NotFound)?;
    if expected.is_some_and(|v| v != deal.version) {
        return Err(MoveFailure::Stale);
    }
    let p = pipeline(conn, deal.pipeline_id)?;
    let rules: Vec<_> = stages_of(conn, &[deal.pipeline_id])?.iter().map(|s| s.rule()).collect();
    let facts = DealFacts {
        stage_id: deal.stage_id,
        amount: deal.amount,
        has_expected_close_date: deal.expected_close_date.is_some(),
        has_contact: deal.contact_id.is_some(),
    };
    let req = MoveRequest {
        to_stage: m.to_stage,
        lost_reason: m.lost_reason.as_deref(),
        by_manager: m.by_manager,
    };
    let policy = Policy {
        allow_skip: p.allow_skip,
        allow_back: p.allow_back,
    };
    let unchecked = super::checkpoints::unchecked_required(conn, deal.id, deal.stage_id)?;
    let status = transition_checked(&rules, policy, &facts, &req, &unchecked).map_err(MoveFailure::Refused)?;
    if let Some(c) = m.lost_to {
        if status != Status::Lost {
            return Err(MoveFailure::LostToNotLost);
        }
        lost_to_in_play(conn, deal.id, c, actor, now)?;
    }
    let closed = matches!(status, Status::Won | Status::Lost);
    let changes = OpportunityChangeset {
        stage_id: Some(m.to_stage),
        status: Some(
            match status {
                Status::Open => "open",
                Status::Won => "won",
                Status::Lost => "lost",
            }
            .to_owned(),
        ),
        lost_reason: Some(m.lost_reason.clone().filter(|_| status == Status::Lost)),
        lost_at_stage_id: Some((status == Status::Lost).then_some(deal.stage_id)),
        stage_entered_at: Some(now.naive_utc()),
        closed_at: Some(closed.then(|| now.naive_utc())),
        lost_to_competitor_id: Some(m.lost_to.filter(|_| status == Status::Lost)),
        ..OpportunityChangeset::default()
    };
    let after = update(conn, deal.id, Some(deal.version), &changes, now)?;
    let change = stage_change(Some((deal.stage_id, deal.stage_entered_at.and_utc())), m.to_stage, now);
    record_change(conn, deal.id, &change, actor)?;
    if status == Status::Won {
        crate::customers::mark_dealt(conn, deal.customer_id, now)?;
    }
    let detail = json!({"stage_id": [deal.stage_id, m.to_stage], "status": [deal.status, after.status]}).to_string();
    audit::record(conn, "opportunity", deal.id, "moved", Some(actor), &detail, now)?;
    crate::events::deal_moved(conn, &after, deal.stage_id, Some(actor), now)?;
    Ok(after)
}

/// A deal lost to competitor `competitor` (an active one) has it in play:
/// the win/loss report counts the deals each competitor met.
fn lost_to_in_play(
    conn: &mut DbConn,
    deal: i64,
    competitor: i64,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<(), MoveFailure> {
    use crate::schema::{competitors, deal_competitors};
    use diesel::prelude::*;
    let active: Option<bool> = competitors::table
        .find(competitor)
        .select(competitors::active)
        .first(conn)
        .optional()
        .map_err(RepoError::from)?;
    if active != Some(true) {
        return Err(MoveFailure::NoSuchCompetitor(competitor));
    }
    let in_play: i64 = deal_competitors::table
        .filter(deal_competitors::opportunity_id.eq(deal))
        .filter(deal_competitors::competitor_id.eq(competitor))
        .count()
        .get_result(conn)
        .map_err(RepoError::from)?;
    if in_play == 0 {
        diesel::insert_into(deal_competitors::table)
            .values((
                deal_competitors::opportunity_id.eq(deal),
                deal_competitors::competitor_id.eq(competitor),
                deal_competitors::position.eq("behind"),
                deal_competitors::added_by.eq(actor),
                deal_competitors::created_at.eq(crate::naive(now)),
                deal_competitors::updated_at.eq(crate::naive(now)),
            ))
            .execute(conn)
            .map_err(RepoError::from)?;
    }
    Ok(())
}
