//! The sales funnel of a pipeline over a period, read in one pass.

use chrono::{DateTime, Utc};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::pipeline::StageKind;
use domain::reports::funnel::{ClosedDeal, Funnel, FunnelTally, StageFact};
use domain::scope::DataScope;
use domain::vocabulary::DealStatus;

use super::{CHUNK, ReportFilter, deal_filter};
use crate::conn::MultiBackend;
use crate::opportunities::{self, StageRow, deal_scope};
use crate::schema::{activities, opportunities as deals, pipelines};
use crate::scope::Reach;
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

/// Up to this many deals, their histories are looked up deal by deal; past
/// it, the histories since the period's start are read in one pass.
const LOOKUP_LIMIT: usize = 50_000;
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
    /// Each deal's history from its row of `deal_paths` (the default), or
    /// from its rows of `stage_changes`, the record that table is kept from.
    pub from_paths: bool,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            lookup_limit: LOOKUP_LIMIT,
            split_from: SPLIT_FROM,
            from_paths: true,
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
    by: &impl Reach,
    q: &FunnelQuery,
    currency: &str,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<FunnelAnswer, FunnelError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
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
    let deals = Deals {
        pipeline_id,
        scope,
        filter: &q.filter,
        currency,
        period: (from, to),
    };
    // the deals closed in the period are read beside the rest on the
    // second connection, when there is one
    let mut helper = helper;
    let (closed, prefix) = match helper.as_deref_mut() {
        Some(other) => std::thread::scope(|s| {
            let closed = s.spawn(|| deals.closed(other));
            let prefix = deals.open_and_ids(conn);
            (
                closed.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                prefix,
            )
        }),
        None => (deals.closed(conn), deals.open_and_ids(conn)),
    };
    let (open, ids) = prefix?;
    for (stage, n, amount) in open {
        tally.open(stage, n, amount);
    }
    tally.closed_all(closed?);
    let by_deal = ids.len() <= reading.lookup_limit;
    let paths = reading.from_paths;
    match helper {
        Some(other) if ids.len() >= reading.split_from.max(2) => {
            let (low, high) = ids.split_at(ids.len() / 2);
            let mut share = tally.share();
            let (mine, theirs) = std::thread::scope(|s| {
                let theirs = s.spawn(|| deals_read(other, high, from, (by_deal, paths), &mut share));
                let mine = deals_read(conn, low, from, (by_deal, paths), &mut tally);
                (mine, theirs.join())
            });
            mine?;
            // a panic on the second reader goes on as if it happened here
            theirs.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            tally.merge(share);
        }
        _ => deals_read(conn, &ids, from, (by_deal, paths), &mut tally)?,
    }
    Ok(FunnelAnswer {
        pipeline_id,
        stages: stage_rows,
        negotiation,
        funnel: tally.finish(),
    })
}

/// Which deals a funnel covers, and what it reads of them before their
/// histories.
struct Deals<'a> {
    pipeline_id: i64,
    scope: &'a DataScope,
    filter: &'a ReportFilter,
    currency: &'a str,
    period: (DateTime<Utc>, DateTime<Utc>),
}

impl Deals<'_> {
    fn same(&self, c: &str) -> bool {
        domain::reports::same_currency(c, self.currency)
    }

    /// Open deals per stage (count, and amount in the report's currency),
    /// summed in SQL; and the ids of every deal, sorted.
    fn open_and_ids(&self, conn: &mut DbConn) -> Result<(OpenSums, Vec<i64>), RepoError> {
        let open = deals::table
            .filter(deals::pipeline_id.eq(self.pipeline_id))
            .filter(deals::status.eq(DealStatus::Open.as_str()))
            .group_by((deals::stage_id, deals::currency))
            .select((
                deals::stage_id,
                deals::currency,
                count_star(),
                super::wide_sum("opportunities.amount"),
            ))
            .into_boxed::<MultiBackend>();
        let open: Vec<(i64, String, i64, Option<String>)> =
            deal_filter!(conn, deal_scope!(open, self.scope), self.filter).load(conn)?;
        let open = open
            .into_iter()
            .map(|(stage, c, n, amount)| {
                let amount = if self.same(&c) { super::wide(amount) } else { 0 };
                (stage, u64::try_from(n).unwrap_or(0), amount)
            })
            .collect();
        let ids = deals::table
            .filter(deals::pipeline_id.eq(self.pipeline_id))
            .select(deals::id)
            .into_boxed::<MultiBackend>();
        // sorted here: `ORDER BY id` made SQLite read the table, not an index
        let mut ids: Vec<i64> = deal_filter!(conn, deal_scope!(ids, self.scope), self.filter).load(conn)?;
        ids.sort_unstable();
        ids.dedup();
        Ok((open, ids))
    }

    /// The deals won or lost in the period.
    fn closed(&self, conn: &mut DbConn) -> Result<Vec<ClosedDeal>, RepoError> {
        let (from, to) = self.period;
        let closed = deals::table
            .filter(deals::pipeline_id.eq(self.pipeline_id))
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
        let closed: Vec<ClosedRow> = deal_filter!(conn, deal_scope!(closed, self.scope), self.filter).load(conn)?;
        closed
            .into_iter()
            .map(|(id, status, amount, c, created, closed)| {
                Ok(ClosedDeal {
                    id,
                    status: status
                        .parse::<DealStatus>()
                        .map_err(|e| RepoError::Corrupt(e.to_string()))?,
                    amount: amount.filter(|_| self.same(&c)),
                    created_at: created.utc(),
                    closed_at: closed.map(Stamp::utc),
                })
            })
            .collect()
    }
}

type OpenSums = Vec<(i64, u64, i64)>;

/// Feeds the deals `ids` (sorted) to `tally`: their stage histories since
/// `from` (looked up `by_deal` or read in ranges, from `deal_paths` or
/// `stage_changes`), then the activities since `from` of those in
/// negotiation whose moves did not carry their stays' activity counts (read
/// from `stage_changes`: a path carries them, migration 036).
fn deals_read(
    conn: &mut DbConn,
    ids: &[i64],
    from: DateTime<Utc>,
    (by_deal, paths): (bool, bool),
    tally: &mut FunnelTally,
) -> Result<(), RepoError> {
    if paths {
        super::histories::paths(conn, ids, from, by_deal, tally)?;
    } else {
        super::histories::changes(conn, ids, from, by_deal, tally)?;
    }
    // a deal's activities come together (the index leads with the deal):
    // handed over per deal, one look-up each
    let mut deal: (i64, Vec<DateTime<Utc>>) = (0, Vec::new());
    for chunk in tally.negotiating_deals().chunks(CHUNK) {
        let acts = activities::table
            .filter(activities::opportunity_id.eq_any(chunk))
            .filter(activities::occurred_at.ge(naive(from)))
            .filter(activities::deleted_at.is_null())
            .select((activities::opportunity_id, activities::occurred_at))
            .load_iter::<(Option<i64>, Stamp), DefaultLoadingMode>(conn)?;
        for row in acts {
            if let (Some(id), at) = row? {
                if id != deal.0 && !deal.1.is_empty() {
                    tally.activities(deal.0, &deal.1);
                    deal.1.clear();
                }
                deal.0 = id;
                deal.1.push(at.utc());
            }
        }
    }
    if !deal.1.is_empty() {
        tally.activities(deal.0, &deal.1);
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
