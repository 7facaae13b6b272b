//! The sales funnel of a pipeline over a period, read in one pass.

use chrono::{DateTime, Utc};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Timestamp};
use domain::pipeline::StageKind;
use domain::reports::funnel::{ClosedDeal, Funnel, FunnelTally, MoveFact, StageFact};
use domain::scope::DataScope;
use domain::vocabulary::DealStatus;

use super::{ReportFilter, deal_filter};
use crate::db::MultiBackend;
use crate::opportunities::{self, StageRow, deal_scope};
use crate::schema::{activities, opportunities as deals, pipelines, stage_changes};
use crate::stamp::Stamp;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, thiserror::Error)]
pub enum FunnelError {
    #[error("no such pipeline")]
    NoPipeline,
    #[error("not a stage of this pipeline")]
    NotAStage,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The funnel's question: which pipeline (`None`: the default one), whose
/// deals, and the stage whose activities count as negotiation rounds
/// (`None`: the last open stage).
#[derive(Debug, Clone, Default)]
pub struct FunnelQuery {
    pub pipeline: Option<i64>,
    pub negotiation: Option<i64>,
    pub filter: ReportFilter,
}

/// A funnel and what it was computed over.
#[derive(Debug, Clone)]
pub struct FunnelAnswer {
    pub pipeline_id: i64,
    pub stages: Vec<StageRow>,
    /// The stage whose activities counted as negotiation rounds.
    pub negotiation: Option<i64>,
    pub funnel: Funnel,
}

type ClosedRow = (i64, String, Option<i64>, String, Stamp, Option<Stamp>);
type MoveRow = (i64, Option<i64>, i64, Stamp, i64);

/// Ids per query, well under SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 10_000;
/// Up to this many deals, their histories are looked up deal by deal; past
/// it, the histories since the period's start are read in one pass.
const LOOKUP_LIMIT: usize = 50_000;
/// Deals per range read in one pass.
const WINDOW: usize = 100_000;
/// From this many deals on, a second connection (when one is free) reads
/// half of the histories on another thread.
const SPLIT_FROM: usize = 20_000;

/// How `funnel_with` reads the stage histories: deal by deal up to
/// `lookup_limit` deals (else in id ranges), and on two threads from
/// `split_from` deals when it has a second connection. Each way gives the
/// same funnel (the tests hold them to it).
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub lookup_limit: usize,
    pub split_from: usize,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            lookup_limit: LOOKUP_LIMIT,
            split_from: SPLIT_FROM,
        }
    }
}

/// The funnel of the deals the caller may see with `q.filter` over the
/// period `[from, to)`. Amounts in another currency than `currency` are left
/// out of sums (the deals still count). Open deals are summed in SQL; the
/// stage histories since `from` stream through a `FunnelTally` one deal at a
/// time, read in deal order from a covering index, so no more than one
/// deal's history is held at once. With a `helper` connection, a large
/// funnel reads half of the histories on it, on another thread.
pub fn funnel(
    conn: &mut DbConn,
    helper: Option<&mut DbConn>,
    scope: &DataScope,
    q: &FunnelQuery,
    currency: &str,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<FunnelAnswer, FunnelError> {
    funnel_with(conn, helper, scope, q, currency, period, Reading::default())
}

/// `funnel`, reading the histories as `reading` says.
pub fn funnel_with(
    conn: &mut DbConn,
    helper: Option<&mut DbConn>,
    scope: &DataScope,
    q: &FunnelQuery,
    currency: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    reading: Reading,
) -> Result<FunnelAnswer, FunnelError> {
    let pipeline_id = match q.pipeline {
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
    let negotiation = match q.negotiation {
        Some(id) if stage_rows.iter().any(|s| s.id == id) => Some(id),
        Some(_) => return Err(FunnelError::NotAStage),
        None => last_open_stage(&stage_rows),
    };
    let stages: Vec<StageFact> = stage_rows
        .iter()
        .map(|s| StageFact {
            id: s.id,
            position: s.position,
            kind: s.kind(),
            probability: s.probability,
            target_bp: s.target_conversion_bp.and_then(|t| u32::try_from(t).ok()),
        })
        .collect();
    let mut tally = FunnelTally::new(&stages, from, to, negotiation);
    let same = |c: &str| c.trim().eq_ignore_ascii_case(currency);
    let open = deals::table
        .filter(deals::pipeline_id.eq(pipeline_id))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .group_by((deals::stage_id, deals::currency))
        .select((
            deals::stage_id,
            deals::currency,
            count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(opportunities.amount) AS BIGINT)"),
        ))
        .into_boxed::<MultiBackend>();
    let open: Vec<(i64, String, i64, Option<i64>)> = deal_filter!(conn, deal_scope!(open, scope), &q.filter)
        .load(conn)
        .map_err(RepoError::from)?;
    for (stage, c, n, amount) in open {
        let amount = if same(&c) { amount.unwrap_or(0) } else { 0 };
        tally.open(stage, u64::try_from(n).unwrap_or(0), amount);
    }
    let closed = deals::table
        .filter(deals::pipeline_id.eq(pipeline_id))
        .filter(deals::status.ne(DealStatus::Open.as_str()))
        .filter(deals::closed_at.ge(naive(from)))
        .filter(deals::closed_at.lt(naive(to)))
        .select((
            deals::id,
            deals::status,
            deals::amount,
            deals::currency,
            deals::created_at,
            deals::closed_at,
        ))
        .into_boxed::<MultiBackend>();
    let closed: Vec<ClosedRow> = deal_filter!(conn, deal_scope!(closed, scope), &q.filter)
        .load(conn)
        .map_err(RepoError::from)?;
    for (id, status, amount, c, created, closed) in closed {
        let status = status
            .parse::<DealStatus>()
            .map_err(|e| RepoError::Corrupt(e.to_string()))?;
        tally.closed(ClosedDeal {
            id,
            status,
            amount: amount.filter(|_| same(&c)),
            created_at: created.utc(),
            closed_at: closed.map(Stamp::utc),
        });
    }
    let ids = deals::table
        .filter(deals::pipeline_id.eq(pipeline_id))
        .select(deals::id)
        .into_boxed::<MultiBackend>();
    // sorted here: `ORDER BY id` made SQLite read the table, not an index
    let mut ids: Vec<i64> = deal_filter!(conn, deal_scope!(ids, scope), &q.filter)
        .load(conn)
        .map_err(RepoError::from)?;
    ids.sort_unstable();
    ids.dedup();
    let by_deal = ids.len() <= reading.lookup_limit;
    match helper {
        Some(other) if ids.len() >= reading.split_from.max(2) => {
            let (low, high) = ids.split_at(ids.len() / 2);
            let mut share = tally.share();
            let (mine, theirs) = std::thread::scope(|s| {
                let theirs = s.spawn(|| deals_read(other, high, from, by_deal, &mut share));
                let mine = deals_read(conn, low, from, by_deal, &mut tally);
                (mine, theirs.join())
            });
            mine?;
            // a panic on the second reader goes on as if it happened here
            theirs.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            tally.merge(share);
        }
        _ => deals_read(conn, &ids, from, by_deal, &mut tally)?,
    }
    Ok(FunnelAnswer {
        pipeline_id,
        stages: stage_rows,
        negotiation,
        funnel: tally.finish(),
    })
}

/// Feeds the deals `ids` (sorted) to `tally`: their stage histories since
/// `from`, then the activities since `from` of those in negotiation.
fn deals_read(
    conn: &mut DbConn,
    ids: &[i64],
    from: DateTime<Utc>,
    by_deal: bool,
    tally: &mut FunnelTally,
) -> Result<(), RepoError> {
    histories(conn, ids, from, by_deal, tally)?;
    for chunk in tally.negotiating_deals().chunks(CHUNK) {
        let acts = activities::table
            .filter(activities::opportunity_id.eq_any(chunk))
            .filter(activities::occurred_at.ge(naive(from)))
            .filter(activities::deleted_at.is_null())
            .select((activities::opportunity_id, activities::occurred_at))
            .load_iter::<(Option<i64>, Stamp), DefaultLoadingMode>(conn)?;
        for row in acts {
            if let (Some(deal), at) = row? {
                tally.activity(deal, at.utc());
            }
        }
    }
    Ok(())
}

/// Feeds the stage histories since `from` of the deals `ids` (sorted) to
/// `tally`, one deal at a time: looked up `by_deal`, or read in id ranges.
fn histories(
    conn: &mut DbConn,
    ids: &[i64],
    from: DateTime<Utc>,
    by_deal: bool,
    tally: &mut FunnelTally,
) -> Result<(), RepoError> {
    let history = || {
        stage_changes::table
            .select((
                stage_changes::opportunity_id,
                stage_changes::from_stage_id,
                stage_changes::to_stage_id,
                stage_changes::changed_at,
                stage_changes::seconds_in_from,
            ))
            .order((stage_changes::opportunity_id, stage_changes::changed_at))
            .into_boxed::<MultiBackend>()
    };
    let since = stage_changes::changed_at.ge(naive(from));
    let mut deal: Vec<MoveFact> = Vec::new();
    let mut feed = |row: MoveRow| {
        let (deal_id, from, to, at, seconds_in_from) = row;
        if deal.last().is_some_and(|m| m.deal_id != deal_id) {
            tally.moves(&deal);
            deal.clear();
        }
        deal.push(MoveFact {
            deal_id,
            from,
            to,
            at: at.utc(),
            seconds_in_from,
        });
    };
    if by_deal {
        for chunk in ids.chunks(CHUNK) {
            let rows = history()
                .filter(since)
                .filter(stage_changes::opportunity_id.eq_any(chunk))
                .load_iter::<MoveRow, DefaultLoadingMode>(conn)?;
            for row in rows {
                feed(row?);
            }
        }
    } else {
        // a range of deal ids at a time: in deal order from the covering
        // index, and a bounded result (PostgreSQL buffers a whole one)
        let sqlite = matches!(conn, DbConn::Sqlite(_));
        for window in ids.chunks(WINDOW) {
            let (Some(first), Some(last)) = (window.first(), window.last()) else {
                continue;
            };
            let mut rows = history().filter(stage_changes::opportunity_id.between(*first, *last));
            rows = if sqlite {
                // `+` takes the column's NUMERIC affinity off the comparison:
                // with it SQLite tried to read the bound text as a number on
                // every row (sqlite3AtoF), a third of the scan's time. The
                // index leads with the deal id, so it never served this test.
                rows.filter(sql::<Bool>("+stage_changes.changed_at >= ").bind::<Timestamp, _>(naive(from)))
            } else {
                rows.filter(since)
            };
            let rows = rows.load_iter::<MoveRow, DefaultLoadingMode>(conn)?;
            // every id of the range in the window (no deal left out): no search
            let whole = usize::try_from(*last - *first).is_ok_and(|span| span + 1 == window.len());
            for row in rows {
                let row = row?;
                if whole || window.binary_search(&row.0).is_ok() {
                    feed(row);
                }
            }
        }
    }
    if !deal.is_empty() {
        tally.moves(&deal);
    }
    Ok(())
}

/// The negotiation stage (商务谈判) by default: the last open stage.
pub fn last_open_stage(stages: &[StageRow]) -> Option<i64> {
    stages
        .iter()
        .filter(|s| s.kind() == StageKind::Open)
        .max_by_key(|s| s.position)
        .map(|s| s.id)
}
