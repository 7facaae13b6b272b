//! The sales funnel (销售漏斗) of one pipeline over a period, from the facts
//! the store holds: its stages, its deals and their stage history.
//!
//! Conversion is cohort based (DESIGN.md section 9): of the deals that entered
//! a stage in the period, how many went on to a later stage (any later open
//! stage, or won), at any time since. A deal that re-enters a stage counts
//! once. Time in stage is measured on the stays that ended in the period.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::pipeline::StageKind;
use crate::vocabulary::DealStatus;

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

/// One row of stage history: the deal entered `to` at `at`, after
/// `seconds_in_from` seconds in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveFact {
    pub deal_id: i64,
    pub from: Option<i64>,
    pub to: i64,
    pub at: DateTime<Utc>,
    pub seconds_in_from: i64,
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

fn days(seconds: f64) -> f64 {
    (seconds / 86_400.0 * 100.0).round() / 100.0
}

/// The median and mean of `seconds`, in days to two decimals.
pub fn median_and_mean_days(mut seconds: Vec<i64>) -> (Option<f64>, Option<f64>) {
    if seconds.is_empty() {
        return (None, None);
    }
    seconds.sort_unstable();
    let n = seconds.len();
    let median = if n % 2 == 1 {
        seconds[n / 2] as f64
    } else {
        (seconds[n / 2 - 1] as f64 + seconds[n / 2] as f64) / 2.0
    };
    let mean = seconds.iter().map(|s| *s as f64).sum::<f64>() / n as f64;
    (Some(days(median)), Some(days(mean)))
}

/// The funnel of `facts` over `[from, to)`; `negotiation` is the stage whose
/// activities count as negotiation rounds.
pub fn funnel(facts: &FunnelFacts, from: DateTime<Utc>, to: DateTime<Utc>, negotiation: Option<i64>) -> Funnel {
    let in_period = |t: DateTime<Utc>| from <= t && t < to;
    let mut stages: Vec<&StageFact> = facts.stages.iter().filter(|s| s.kind != StageKind::Lost).collect();
    stages.sort_by_key(|s| (s.position, s.id));
    let position: HashMap<i64, (i32, StageKind)> = facts.stages.iter().map(|s| (s.id, (s.position, s.kind))).collect();
    let mut moves_of: HashMap<i64, Vec<&MoveFact>> = HashMap::new();
    for m in &facts.moves {
        moves_of.entry(m.deal_id).or_default().push(m);
    }
    for list in moves_of.values_mut() {
        list.sort_by_key(|m| m.at);
    }
    let figures = stages
        .iter()
        .map(|stage| {
            let mut entered = 0;
            let mut advanced = 0;
            for moves in moves_of.values() {
                let Some(first) = moves.iter().find(|m| m.to == stage.id && in_period(m.at)) else {
                    continue;
                };
                entered += 1;
                let later = moves.iter().any(|m| {
                    m.at >= first.at
                        && position
                            .get(&m.to)
                            .is_some_and(|(p, k)| *k != StageKind::Lost && *p > stage.position)
                });
                if later {
                    advanced += 1;
                }
            }
            let conversion_bp = rate_bp(advanced, entered);
            let open: Vec<&DealFact> = facts
                .deals
                .iter()
                .filter(|d| d.status == DealStatus::Open && d.stage_id == stage.id)
                .collect();
            let open_amount: i64 = open.iter().filter_map(|d| d.amount).sum();
            let stays: Vec<i64> = facts
                .moves
                .iter()
                .filter(|m| m.from == Some(stage.id) && in_period(m.at))
                .map(|m| m.seconds_in_from)
                .collect();
            let (median_days, mean_days) = median_and_mean_days(stays.clone());
            StageFigures {
                stage_id: stage.id,
                entered,
                advanced,
                conversion_bp: if stage.kind == StageKind::Won {
                    None
                } else {
                    conversion_bp
                },
                below_target: stage.kind != StageKind::Won
                    && matches!((conversion_bp, stage.target_bp), (Some(c), Some(t)) if c < t),
                open_count: open.len() as u64,
                open_amount,
                weighted_amount: i64::try_from(i128::from(open_amount) * i128::from(stage.probability) / 100)
                    .unwrap_or(i64::MAX),
                stays: stays.len() as u64,
                median_days,
                mean_days,
            }
        })
        .collect();
    let closed: Vec<&DealFact> = facts
        .deals
        .iter()
        .filter(|d| matches!(d.status, DealStatus::Won | DealStatus::Lost) && d.closed_at.is_some_and(in_period))
        .collect();
    let won: Vec<&DealFact> = closed.iter().copied().filter(|d| d.status == DealStatus::Won).collect();
    let won_count = won.len() as u64;
    let lost = closed.len() as u64 - won_count;
    let won_amount: i64 = won.iter().filter_map(|d| d.amount).sum();
    let cycle_seconds: i64 = won
        .iter()
        .map(|d| d.closed_at.map_or(0, |c| (c - d.created_at).num_seconds().max(0)))
        .sum();
    let open_deals = facts.deals.iter().filter(|d| d.status == DealStatus::Open).count() as u64;
    let velocity_per_day = (won_count > 0).then(|| {
        // open x (won amount / won) x (won / closed) / (cycle seconds / won / 86400)
        let num = i128::from(open_deals) * i128::from(won_amount) * i128::from(won_count) * 86_400;
        let den = i128::from(won_count + lost) * i128::from(cycle_seconds.max(1));
        i64::try_from(num / den).unwrap_or(i64::MAX)
    });
    Funnel {
        stages: figures,
        won: won_count,
        lost,
        won_amount,
        win_rate_bp: rate_bp(won_count, won_count + lost),
        average_cycle_days: (won_count > 0).then(|| days(cycle_seconds as f64 / won_count as f64)),
        open_deals,
        velocity_per_day,
        by_negotiation_rounds: rounds(&closed, &moves_of, &facts.activities, negotiation),
    }
}

/// A stay in a stage: entered, and left (`None`: still there).
type Stay = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Activities logged on each closed deal while it was in `stage`.
fn rounds(
    closed: &[&DealFact],
    moves_of: &HashMap<i64, Vec<&MoveFact>>,
    activities: &[(i64, DateTime<Utc>)],
    stage: Option<i64>,
) -> Vec<RoundsFigures> {
    let Some(stage) = stage else { return Vec::new() };
    let closed_ids: HashSet<i64> = closed.iter().map(|d| d.id).collect();
    // the stays of each closed deal in the negotiation stage: [entered, left)
    let mut stays: HashMap<i64, Vec<Stay>> = HashMap::new();
    for (deal, moves) in moves_of.iter().filter(|(d, _)| closed_ids.contains(d)) {
        for (i, m) in moves.iter().enumerate().filter(|(_, m)| m.to == stage) {
            stays
                .entry(*deal)
                .or_default()
                .push((m.at, moves.get(i + 1).map(|n| n.at)));
        }
    }
    let mut count: HashMap<i64, u32> = HashMap::new();
    for (deal, at) in activities {
        let inside = stays
            .get(deal)
            .is_some_and(|s| s.iter().any(|(a, b)| *a <= *at && b.is_none_or(|b| *at < b)));
        if inside {
            *count.entry(*deal).or_default() += 1;
        }
    }
    let mut buckets: BTreeMap<u32, (u64, u64)> = (0..=MAX_ROUNDS).map(|r| (r, (0, 0))).collect();
    for d in closed {
        let r = count.get(&d.id).copied().unwrap_or(0).min(MAX_ROUNDS);
        let slot = buckets.entry(r).or_default();
        slot.0 += 1;
        if d.status == DealStatus::Won {
            slot.1 += 1;
        }
    }
    buckets
        .into_iter()
        .map(|(rounds, (closed, won))| RoundsFigures {
            rounds,
            closed,
            won,
            close_rate_bp: rate_bp(won, closed),
        })
        .collect()
}
