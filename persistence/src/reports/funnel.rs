//! The facts of a pipeline's funnel over a period.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::pipeline::StageKind;
use domain::reports::funnel::{DealFact, FunnelFacts, MoveFact, StageFact};
use domain::scope::DataScope;
use domain::vocabulary::DealStatus;

use super::{ReportFilter, filter_deals};
use crate::opportunities::{self, StageRow};
use crate::schema::{activities, opportunities as deals, pipelines, stage_changes};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, thiserror::Error)]
pub enum FunnelError {
    #[error("no such pipeline")]
    NoPipeline,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

type DealRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

/// Ids per query, well under SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 10_000;

/// The pipeline (`None`: the default one), its stages and the facts of the
/// deals the caller may see with `filter` for the period `[from, to)`: every
/// open deal, every deal closed since `from`, and every deal that moved
/// since `from`, with those moves; and the activities on deals closed in the
/// period. Amounts in another currency than `currency` are left out of sums
/// (the deals still count).
pub fn funnel_facts(
    conn: &mut DbConn,
    scope: &DataScope,
    pipeline: Option<i64>,
    filter: &ReportFilter,
    currency: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(i64, Vec<StageRow>, FunnelFacts), FunnelError> {
    let pipeline_id = match pipeline {
        Some(id) => pipelines::table
            .find(id)
            .select(pipelines::id)
            .first::<i64>(conn)
            .optional()
            .map_err(RepoError::from)?,
        None => pipelines::table
            .filter(pipelines::is_default.eq(true))
            .select(pipelines::id)
            .first::<i64>(conn)
            .optional()
            .map_err(RepoError::from)?,
    }
    .ok_or(FunnelError::NoPipeline)?;
    let stage_rows = opportunities::stages_of(conn, &[pipeline_id])?;
    let q = opportunities::scoped(
        deals::table.filter(deals::pipeline_id.eq(pipeline_id)).into_boxed(),
        scope,
    );
    // a correlated EXISTS, not `id IN (moves since from)`: inside an OR,
    // PostgreSQL cannot make the IN a join and, past work_mem, runs the
    // subquery once per deal (a one-rep month at 1M deals timed out)
    let moved = diesel::dsl::exists(
        stage_changes::table
            .filter(stage_changes::opportunity_id.eq(deals::id))
            .filter(stage_changes::changed_at.ge(naive(from))),
    );
    let q = filter_deals(conn, q, filter)?.filter(
        deals::status
            .eq(DealStatus::Open.as_str())
            .or(deals::closed_at.ge(naive(from)))
            .or(moved),
    );
    let rows: Vec<DealRow> = q
        .select((
            deals::id,
            deals::stage_id,
            deals::status,
            deals::amount,
            deals::currency,
            deals::created_at,
            deals::closed_at,
        ))
        .load(conn)
        .map_err(RepoError::from)?;
    let mut facts = FunnelFacts {
        stages: stage_rows
            .iter()
            .map(|s| StageFact {
                id: s.id,
                position: s.position,
                kind: s.kind(),
                probability: s.probability,
                target_bp: s.target_conversion_bp.and_then(|t| u32::try_from(t).ok()),
            })
            .collect(),
        ..FunnelFacts::default()
    };
    for (id, stage_id, status, amount, deal_currency, created, closed) in rows {
        let status = status
            .parse::<DealStatus>()
            .map_err(|e| RepoError::Corrupt(e.to_string()))?;
        facts.deals.push(DealFact {
            id,
            stage_id,
            status,
            amount: amount.filter(|_| deal_currency.trim().eq_ignore_ascii_case(currency)),
            created_at: created.and_utc(),
            closed_at: closed.map(|c| c.and_utc()),
        });
    }
    let ids: Vec<i64> = facts.deals.iter().map(|d| d.id).collect();
    let closed_in_period: Vec<i64> = facts
        .deals
        .iter()
        .filter(|d| d.status != DealStatus::Open && d.closed_at.is_some_and(|c| from <= c && c < to))
        .map(|d| d.id)
        .collect();
    for chunk in ids.chunks(CHUNK) {
        let moves: Vec<(i64, Option<i64>, i64, chrono::NaiveDateTime, i64)> = stage_changes::table
            .filter(stage_changes::opportunity_id.eq_any(chunk))
            .filter(stage_changes::changed_at.ge(naive(from)))
            .select((
                stage_changes::opportunity_id,
                stage_changes::from_stage_id,
                stage_changes::to_stage_id,
                stage_changes::changed_at,
                stage_changes::seconds_in_from,
            ))
            .load(conn)
            .map_err(RepoError::from)?;
        facts
            .moves
            .extend(moves.into_iter().map(|(deal_id, from, to, at, secs)| MoveFact {
                deal_id,
                from,
                to,
                at: at.and_utc(),
                seconds_in_from: secs,
            }));
    }
    for chunk in closed_in_period.chunks(CHUNK) {
        let acts: Vec<(Option<i64>, chrono::NaiveDateTime)> = activities::table
            .filter(activities::opportunity_id.eq_any(chunk))
            .filter(activities::deleted_at.is_null())
            .select((activities::opportunity_id, activities::occurred_at))
            .load(conn)
            .map_err(RepoError::from)?;
        facts
            .activities
            .extend(acts.into_iter().filter_map(|(d, at)| d.map(|d| (d, at.and_utc()))));
    }
    Ok((pipeline_id, stage_rows, facts))
}

/// The negotiation stage (商务谈判) by default: the last open stage.
pub fn last_open_stage(stages: &[StageRow]) -> Option<i64> {
    stages
        .iter()
        .filter(|s| s.kind() == StageKind::Open)
        .max_by_key(|s| s.position)
        .map(|s| s.id)
}
