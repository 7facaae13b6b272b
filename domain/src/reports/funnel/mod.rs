//! The sales funnel (销售漏斗) of one pipeline over a period, from the facts
//! the store holds: its stages, its deals and their stage history.
//!
//! Conversion is cohort based (DESIGN.md section 9): of the deals that entered
//! a stage in the period, how many went on to a later stage (any later open
//! stage, or won), at any time since. A deal that re-enters a stage counts
//! once. Time in stage is measured on the stays that ended in the period.

use chrono::{DateTime, Utc};

use crate::pipeline::StageKind;
use crate::vocabulary::DealStatus;

mod tally;

pub use tally::FunnelTally;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageFact {
    pub id: i64,
    pub position: i32,
    pub kind: StageKind,
    /// Win probability in percent.
    pub probability: i32,
    /// The conversion this stage should reach, in basis points.
    pub target_bp: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFact {
    pub id: i64,
    pub stage_id: i64,
    pub status: DealStatus,
    pub amount: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A deal won or lost, as the tally counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedDeal {
    pub id: i64,
    pub status: DealStatus,
    pub amount: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// One row of stage history: the deal entered `to` at `at`, after
/// `seconds_in_from` seconds in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveFact {
    pub deal_id: i64,
    pub from: Option<i64>,
    pub to: i64,
    pub at: DateTime<Utc>,
    pub seconds_in_from: i64,
    /// The activities logged on the deal during the stay this move began
    /// (from `at` to the deal's next move, or on), when the store keeps
    /// that count; `None`: the tally takes them from
    /// [`FunnelTally::activities`].
    pub activities: Option<u32>,
}

/// The facts of one funnel: every deal the caller may see with the filters,
/// their moves since the period's start, and the activities logged on deals
/// closed in the period.
#[derive(Debug, Clone, Default)]
pub struct FunnelFacts {
    pub stages: Vec<StageFact>,
    pub deals: Vec<DealFact>,
    pub moves: Vec<MoveFact>,
    /// `(deal, when)` of activities on deals closed in the period.
    pub activities: Vec<(i64, DateTime<Utc>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageFigures {
    pub stage_id: i64,
    /// Deals that entered the stage in the period (each once).
    pub entered: u64,
    /// Of those, deals that reached a later stage or won since.
    pub advanced: u64,
    /// `advanced / entered` in basis points; `None` when nothing entered.
    pub conversion_bp: Option<u32>,
    /// The conversion is below the stage's target rate.
    pub below_target: bool,
    /// Open deals in the stage now, their amount and amount x probability.
    pub open_count: u64,
    pub open_amount: i64,
    pub weighted_amount: i64,
    /// Days in the stage of the stays that ended in the period.
    pub stays: u64,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
}

/// Close rate of the deals closed in the period by how many activities were
/// logged on them while in the negotiation stage; the last bucket holds
/// `MAX_ROUNDS` and more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundsFigures {
    pub rounds: u32,
    pub closed: u64,
    pub won: u64,
    pub close_rate_bp: Option<u32>,
}

pub const MAX_ROUNDS: u32 = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// Open stages and the won stage, in pipeline order.
    pub stages: Vec<StageFigures>,
    /// Deals won and lost in the period.
    pub won: u64,
    pub lost: u64,
    pub won_amount: i64,
    /// `won / (won + lost)` in basis points.
    pub win_rate_bp: Option<u32>,
    /// Mean days from creation to winning, of the deals won in the period.
    pub average_cycle_days: Option<f64>,
    /// Open deals now.
    pub open_deals: u64,
    /// open deals x average won amount x win rate / average cycle days, in
    /// minor units per day, rounded down; `None` without a deal won.
    pub velocity_per_day: Option<i64>,
    pub by_negotiation_rounds: Vec<RoundsFigures>,
}

/// `part / whole` in basis points, rounded down.
pub fn rate_bp(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| u32::try_from(u128::from(part) * 10_000 / u128::from(whole)).unwrap_or(u32::MAX))
}

pub(crate) fn days(seconds: f64) -> f64 {
    (seconds / 86_400.0 * 100.0).round() / 100.0
}

/// The median and mean of `seconds`, in days to two decimals.
pub fn median_and_mean_days(mut seconds: Vec<i64>) -> (Option<f64>, Option<f64>) {
    if seconds.is_empty() {
        return (None, None);
    }
    // the middle by selection, not a sort: linear, for the millions of stays
    // of a year's funnel
    let n = seconds.len();
    let (below, middle, _) = seconds.select_nth_unstable(n / 2);
    let middle = *middle as f64;
    let median = if n % 2 == 1 {
        middle
    } else {
        // the other middle value is the largest of the lower half
        let lower = below.iter().copied().max().map_or(middle, |b| b as f64);
        (lower + middle) / 2.0
    };
    let mean = seconds.iter().map(|s| *s as f64).sum::<f64>() / n as f64;
    (Some(days(median)), Some(days(mean)))
}

/// The funnel of `facts` over `[from, to)`; `negotiation` is the stage whose
/// activities count as negotiation rounds.
pub fn funnel(facts: &FunnelFacts, from: DateTime<Utc>, to: DateTime<Utc>, negotiation: Option<i64>) -> Funnel {
    let mut tally = FunnelTally::new(&facts.stages, from, to, negotiation);
    for d in &facts.deals {
        tally.deal(d);
    }
    let mut moves: Vec<&MoveFact> = facts.moves.iter().collect();
    moves.sort_by_key(|m| (m.deal_id, m.at));
    let moves: Vec<MoveFact> = moves.into_iter().cloned().collect();
    for deal in moves.chunk_by(|a, b| a.deal_id == b.deal_id) {
        tally.moves(deal);
    }
    for (deal, at) in &facts.activities {
        tally.activity(*deal, *at);
    }
    tally.finish()
}
