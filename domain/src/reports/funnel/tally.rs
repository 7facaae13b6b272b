//! [`FunnelTally`]: the funnel computed in one pass over facts fed deal by
//! deal.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    ClosedDeal, DealFact, Funnel, MAX_ROUNDS, MoveFact, RoundsFigures, StageFact, StageFigures, days,
    median_and_mean_days, rate_bp,
};
use crate::pipeline::StageKind;
use crate::reports::ids::{IdMap, IdSet};
use crate::vocabulary::DealStatus;

/// The funnel computed in one pass over facts fed deal by deal, so a
/// report over a million deals holds one deal's history at a time:
/// first `open` and `closed`, then `moves` once per deal, then `activity`.
#[derive(Debug, Clone)]
pub struct FunnelTally {
    /// Open stages and the won stage, in pipeline order.
    stages: Vec<StageFact>,
    /// Every stage of the pipeline (lost ones too): id, position, kind.
    all: Vec<(i64, i32, StageKind)>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    negotiation: Option<i64>,
    /// Per stage of `all`: entered, advanced, the seconds of the stays that ended.
    entered: Vec<(u64, u64)>,
    stays: Vec<Vec<i64>>,
    /// Per stage: open deals and their amount.
    open: IdMap<(u64, i64)>,
    open_deals: u64,
    /// Deals won or lost in the period (shared with the tally's shares,
    /// not copied: 270,000 of them in a year over a million deals), and
    /// their ids for `moves` to test (made at its first call).
    closed: Arc<IdMap<ClosedDeal>>,
    closed_ids: Option<IdSet>,
    /// Stays of closed deals in the negotiation stage, and the activities in them.
    negotiating: IdMap<Vec<Stay>>,
    rounds: IdMap<u32>,
    /// Scratch space of `moves`, kept between deals: each move's stage, and
    /// the stages entered.
    ranks: Vec<Option<(usize, i32)>>,
    seen: Vec<i64>,
}

impl FunnelTally {
    pub fn new(stages: &[StageFact], from: DateTime<Utc>, to: DateTime<Utc>, negotiation: Option<i64>) -> Self {
        let mut shown: Vec<StageFact> = stages.iter().filter(|s| s.kind != StageKind::Lost).cloned().collect();
        shown.sort_by_key(|s| (s.position, s.id));
        FunnelTally {
            stages: shown,
            all: stages.iter().map(|s| (s.id, s.position, s.kind)).collect(),
            from,
            to,
            negotiation,
            entered: vec![(0, 0); stages.len()],
            stays: vec![Vec::new(); stages.len()],
            open: IdMap::default(),
            open_deals: 0,
            closed: Arc::default(),
            closed_ids: None,
            negotiating: IdMap::default(),
            rounds: IdMap::default(),
            ranks: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// `count` open deals in `stage`, with `amount` in the report's currency.
    pub fn open(&mut self, stage: i64, count: u64, amount: i64) {
        let slot = self.open.entry(stage).or_default();
        slot.0 += count;
        slot.1 = slot.1.saturating_add(amount);
        self.open_deals += count;
    }

    /// One deal, open or closed (`open` or `closed` for one).
    pub fn deal(&mut self, d: &DealFact) {
        if d.status == DealStatus::Open {
            self.open(d.stage_id, 1, d.amount.unwrap_or(0));
        } else {
            self.closed(ClosedDeal {
                id: d.id,
                status: d.status,
                amount: d.amount,
                created_at: d.created_at,
                closed_at: d.closed_at,
            });
        }
    }

    /// A deal won or lost; counted when it closed in the period.
    pub fn closed(&mut self, deal: ClosedDeal) {
        self.closed_all(std::iter::once(deal));
    }

    /// Deals won or lost, each counted when it closed in the period: the
    /// map is sized once for them all (270,000 in a year over a million
    /// deals: inserted one by one, its growth took 80 ms).
    pub fn closed_all(&mut self, deals: impl IntoIterator<Item = ClosedDeal>) {
        let (from, to) = (self.from, self.to);
        let deals = deals.into_iter();
        let map = Arc::make_mut(&mut self.closed);
        map.reserve(deals.size_hint().0);
        for deal in deals {
            let closed = matches!(deal.status, DealStatus::Won | DealStatus::Lost);
            if closed && deal.closed_at.is_some_and(|c| from <= c && c < to) {
                map.insert(deal.id, deal);
            }
        }
        self.closed_ids = None;
    }

    /// Where `stage` is in `all` (a pipeline has a handful of stages: a
    /// scan beats hashing).
    fn index(&self, stage: i64) -> Option<usize> {
        self.all.iter().position(|(id, ..)| *id == stage)
    }

    /// Index and position of a stage that is not a lost one.
    fn rank(&self, stage: i64) -> Option<(usize, i32)> {
        let i = self.index(stage)?;
        let (_, position, kind) = self.all[i];
        (kind != StageKind::Lost).then_some((i, position))
    }

    /// One deal's moves since the period's start, oldest first.
    pub fn moves(&mut self, moves: &[MoveFact]) {
        let Some(deal) = moves.first().map(|m| m.deal_id) else {
            return;
        };
        let mut ranks = std::mem::take(&mut self.ranks);
        ranks.clear();
        ranks.extend(moves.iter().map(|m| self.rank(m.to)));
        let mut seen = std::mem::take(&mut self.seen);
        seen.clear();
        let (from, to) = (self.from, self.to);
        for (m, rank) in moves.iter().zip(&ranks) {
            if !(from <= m.at && m.at < to) {
                continue;
            }
            if let Some(i) = m.from.and_then(|f| self.index(f)) {
                self.stays[i].push(m.seconds_in_from);
            }
            let Some((index, position)) = *rank else {
                continue;
            };
            if seen.contains(&m.to) {
                continue;
            }
            seen.push(m.to);
            let advanced = moves
                .iter()
                .zip(&ranks)
                .any(|(n, r)| n.at >= m.at && r.is_some_and(|(_, p)| p > position));
            let slot = &mut self.entered[index];
            slot.0 += 1;
            slot.1 += u64::from(advanced);
        }
        self.ranks = ranks;
        self.seen = seen;
        if let Some(stage) = self.negotiation
            && moves.iter().any(|m| m.to == stage)
            && self
                .closed_ids
                .get_or_insert_with(|| IdSet::of(&self.closed.keys().copied().collect::<Vec<i64>>()))
                .contains(deal)
        {
            // the stays' activities counted by the store are summed here;
            // the others are looked up (`activities`) in the stays kept
            let mut counted = 0u32;
            for (i, m) in moves.iter().enumerate().filter(|(_, m)| m.to == stage) {
                match m.activities {
                    Some(n) => counted = counted.saturating_add(n),
                    None => self
                        .negotiating
                        .entry(deal)
                        .or_default()
                        .push((m.at, moves.get(i + 1).map(|n| n.at))),
                }
            }
            if counted > 0 {
                let rounds = self.rounds.entry(deal).or_default();
                *rounds = rounds.saturating_add(counted);
            }
        }
    }

    /// A tally for another share of the deals' histories (say, on another
    /// thread): the same stages, period, open and closed deals, with no
    /// moves yet. [`FunnelTally::merge`] adds what it tallied back.
    pub fn share(&self) -> Self {
        FunnelTally {
            entered: vec![(0, 0); self.all.len()],
            stays: vec![Vec::new(); self.all.len()],
            negotiating: IdMap::default(),
            rounds: IdMap::default(),
            ..self.clone()
        }
    }

    /// Adds what a [`FunnelTally::share`] of this tally was fed (moves, then
    /// activities), for deals this one was not fed.
    pub fn merge(&mut self, other: FunnelTally) {
        for (mine, theirs) in self.entered.iter_mut().zip(other.entered) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        for (mine, theirs) in self.stays.iter_mut().zip(other.stays) {
            mine.extend(theirs);
        }
        for (deal, stays) in other.negotiating {
            self.negotiating.entry(deal).or_default().extend(stays);
        }
        for (deal, rounds) in other.rounds {
            *self.rounds.entry(deal).or_default() += rounds;
        }
    }

    /// The deals closed in the period that were in the negotiation stage
    /// since its start, in id order: whose activities `activity` counts.
    pub fn negotiating_deals(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.negotiating.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// An activity logged on a deal at `at`.
    pub fn activity(&mut self, deal: i64, at: DateTime<Utc>) {
        self.activities(deal, &[at]);
    }

    /// Activities logged on one deal at `ats`: one look-up for them all.
    pub fn activities(&mut self, deal: i64, ats: &[DateTime<Utc>]) {
        let Some(stays) = self.negotiating.get(&deal) else {
            return;
        };
        let inside = ats
            .iter()
            .filter(|at| stays.iter().any(|(a, b)| *a <= **at && b.is_none_or(|b| **at < b)))
            .count();
        if inside > 0 {
            let rounds = self.rounds.entry(deal).or_default();
            *rounds = rounds.saturating_add(u32::try_from(inside).unwrap_or(u32::MAX));
        }
    }

    pub fn finish(mut self) -> Funnel {
        let stages = std::mem::take(&mut self.stages);
        let figures = stages
            .iter()
            .map(|stage| {
                let i = self.index(stage.id);
                let (entered, advanced) = i.map(|i| self.entered[i]).unwrap_or_default();
                let conversion_bp = rate_bp(advanced, entered);
                let (open_count, open_amount) = self.open.get(&stage.id).copied().unwrap_or_default();
                let stays = i.map(|i| std::mem::take(&mut self.stays[i])).unwrap_or_default();
                let count = stays.len() as u64;
                let (median_days, mean_days) = median_and_mean_days(stays);
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
                    open_count,
                    open_amount,
                    weighted_amount: i64::try_from(i128::from(open_amount) * i128::from(stage.probability) / 100)
                        .unwrap_or(i64::MAX),
                    stays: count,
                    median_days,
                    mean_days,
                }
            })
            .collect();
        let won: Vec<&ClosedDeal> = self.closed.values().filter(|d| d.status == DealStatus::Won).collect();
        let won_count = won.len() as u64;
        let lost = self.closed.len() as u64 - won_count;
        let won_amount = crate::money::sum(won.iter().filter_map(|d| d.amount));
        let cycle_seconds: i64 = won
            .iter()
            .map(|d| d.closed_at.map_or(0, |c| (c - d.created_at).num_seconds().max(0)))
            .sum();
        let open_deals = self.open_deals;
        let velocity_per_day = (won_count > 0).then(|| {
            // open x (won amount / won) x (won / closed) / (cycle seconds / won / 86400)
            let num = i128::from(open_deals) * i128::from(won_amount) * i128::from(won_count) * 86_400;
            let den = i128::from(won_count + lost) * i128::from(cycle_seconds.max(1));
            i64::try_from(num / den).unwrap_or(i64::MAX)
        });
        let by_negotiation_rounds = if self.negotiation.is_some() {
            let mut buckets: BTreeMap<u32, (u64, u64)> = (0..=MAX_ROUNDS).map(|r| (r, (0, 0))).collect();
            for d in self.closed.values() {
                let r = self.rounds.get(&d.id).copied().unwrap_or(0).min(MAX_ROUNDS);
                let slot = buckets.entry(r).or_default();
                slot.0 += 1;
                slot.1 += u64::from(d.status == DealStatus::Won);
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
        } else {
            Vec::new()
        };
        Funnel {
            stages: figures,
            won: won_count,
            lost,
            won_amount,
            win_rate_bp: rate_bp(won_count, won_count + lost),
            average_cycle_days: (won_count > 0).then(|| days(cycle_seconds as f64 / won_count as f64)),
            open_deals,
            velocity_per_day,
            by_negotiation_rounds,
        }
    }
}

/// A stay in a stage: entered, and left (`None`: still there).
type Stay = (DateTime<Utc>, Option<DateTime<Utc>>);
