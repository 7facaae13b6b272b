use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use std::collections::{BTreeMap, HashMap, HashSet};

use super::funnel::*;
use crate::pipeline::StageKind;
use crate::vocabulary::DealStatus;

/// The funnel as first written, deal facts and moves all in memory: the
/// oracle `FunnelTally` is checked against.
fn reference(facts: &FunnelFacts, from: DateTime<Utc>, to: DateTime<Utc>, negotiation: Option<i64>) -> Funnel {
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
        by_negotiation_rounds: reference_rounds(&closed, &moves_of, &facts.activities, negotiation),
    }
}

type Stay = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Activities logged on each closed deal while it was in `stage`.
fn reference_rounds(
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

fn nov(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).single().expect("a date")
}

fn stage(id: i64, position: i32, kind: StageKind, probability: i32, target_bp: Option<u32>) -> StageFact {
    StageFact {
        id,
        position,
        kind,
        probability,
        target_bp,
    }
}

fn deal(
    id: i64,
    stage_id: i64,
    status: DealStatus,
    amount: Option<i64>,
    created: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
) -> DealFact {
    DealFact {
        id,
        stage_id,
        status,
        amount,
        created_at: created,
        closed_at: closed,
    }
}

fn mv(deal_id: i64, from: Option<i64>, to: i64, at: DateTime<Utc>, days_in_from: i64) -> MoveFact {
    MoveFact {
        deal_id,
        from,
        to,
        at,
        seconds_in_from: days_in_from * 86_400,
        activities: None,
    }
}

/// Stages 1 and 2 open (targets 50 % and 80 %), 3 won, 4 lost; November.
/// A: 1 (Nov 1) -> 2 (Nov 3) -> won (Nov 5), 1000. B: 1 (Nov 2) -> 2 (Nov 6),
/// open, 500. C: 1 (Nov 10) -> lost (Nov 11), 300. D: in 1 since October ->
/// 2 (Nov 2), open, no amount. E: 1 (Nov 20), open, 200.
fn november() -> FunnelFacts {
    use DealStatus::*;
    use StageKind::{Lost as L, Open as O, Won as W};
    FunnelFacts {
        stages: vec![
            stage(1, 10, O, 10, Some(5000)),
            stage(2, 20, O, 50, Some(8000)),
            stage(3, 30, W, 100, None),
            stage(4, 40, L, 0, None),
        ],
        deals: vec![
            deal(10, 3, Won, Some(1000), nov(1), Some(nov(5))),
            deal(11, 2, Open, Some(500), nov(2), None),
            deal(12, 4, Lost, Some(300), nov(10), Some(nov(11))),
            deal(13, 2, Open, None, nov(1) - Duration::days(31), None),
            deal(14, 1, Open, Some(200), nov(20), None),
        ],
        moves: vec![
            mv(10, None, 1, nov(1), 0),
            mv(10, Some(1), 2, nov(3), 2),
            mv(10, Some(2), 3, nov(5), 2),
            mv(11, None, 1, nov(2), 0),
            mv(11, Some(1), 2, nov(6), 4),
            mv(12, None, 1, nov(10), 0),
            mv(12, Some(1), 4, nov(11), 1),
            mv(13, Some(1), 2, nov(2), 32),
            mv(14, None, 1, nov(20), 0),
        ],
        activities: vec![(10, nov(4)), (10, nov(2)), (11, nov(7))],
    }
}

#[test]
fn the_funnel_figures_are_the_hand_computed_ones() {
    let f = funnel(&november(), nov(1), nov(1) + Duration::days(30), Some(2));
    assert_eq!(f.stages.len(), 3, "open stages and won, not lost");
    let s1 = &f.stages[0];
    assert_eq!(
        (s1.stage_id, s1.entered, s1.advanced, s1.conversion_bp),
        (1, 4, 2, Some(5000))
    );
    assert!(!s1.below_target, "50 % meets a 50 % target");
    assert_eq!((s1.open_count, s1.open_amount, s1.weighted_amount), (1, 200, 20));
    // stays ending in November: 2, 4, 1 and 32 days
    assert_eq!((s1.stays, s1.median_days, s1.mean_days), (4, Some(3.0), Some(9.75)));
    let s2 = &f.stages[1];
    assert_eq!((s2.entered, s2.advanced, s2.conversion_bp), (3, 1, Some(3333)));
    assert!(s2.below_target, "33 % is below 80 %");
    assert_eq!((s2.open_count, s2.open_amount, s2.weighted_amount), (2, 500, 250));
    assert_eq!((s2.median_days, s2.mean_days), (Some(2.0), Some(2.0)));
    let won = &f.stages[2];
    assert_eq!(
        (won.stage_id, won.entered, won.conversion_bp, won.below_target),
        (3, 1, None, false)
    );
    assert_eq!((f.won, f.lost, f.won_amount, f.win_rate_bp), (1, 1, 1000, Some(5000)));
    assert_eq!(f.average_cycle_days, Some(4.0));
    assert_eq!(f.open_deals, 3);
    // 3 open x 1000 average won x 50 % / 4 days
    assert_eq!(f.velocity_per_day, Some(375));
    let rounds: Vec<(u32, u64, u64, Option<u32>)> = f
        .by_negotiation_rounds
        .iter()
        .map(|r| (r.rounds, r.closed, r.won, r.close_rate_bp))
        .collect();
    assert_eq!(
        rounds,
        vec![
            (0, 1, 0, Some(0)),
            (1, 1, 1, Some(10_000)),
            (2, 0, 0, None),
            (3, 0, 0, None),
            (4, 0, 0, None),
            (5, 0, 0, None)
        ]
    );
}

#[test]
fn a_re_entry_counts_once_and_a_period_without_wins_has_no_velocity() {
    let mut facts = november();
    // B goes back to 1 and forward to 2 again within November
    facts.moves.push(mv(11, Some(2), 1, nov(8), 2));
    facts.moves.push(mv(11, Some(1), 2, nov(9), 1));
    let f = funnel(&facts, nov(1), nov(1) + Duration::days(30), None);
    assert_eq!((f.stages[0].entered, f.stages[0].advanced), (4, 2));
    assert_eq!(f.stages[1].entered, 3);
    assert!(f.by_negotiation_rounds.is_empty());
    let december = funnel(&facts, nov(1) + Duration::days(30), nov(1) + Duration::days(61), None);
    assert_eq!((december.won, december.lost, december.win_rate_bp), (0, 0, None));
    assert_eq!((december.velocity_per_day, december.average_cycle_days), (None, None));
    assert_eq!(december.stages[0].entered, 0);
    assert_eq!(december.stages[0].conversion_bp, None);
    assert!(!december.stages[0].below_target);
}

#[test]
fn amounts_count_in_the_report_currency_by_code() {
    assert!(super::same_currency("CNY", "CNY"));
    assert!(super::same_currency(" cny ", "CNY"));
    assert!(!super::same_currency("USD", "CNY"));
    assert!(!super::same_currency("", "CNY"));
}

#[test]
fn medians_of_even_and_odd_counts() {
    assert_eq!(median_and_mean_days(vec![]), (None, None));
    assert_eq!(median_and_mean_days(vec![86_400]), (Some(1.0), Some(1.0)));
    assert_eq!(
        median_and_mean_days(vec![3 * 86_400, 86_400, 43_200]),
        (Some(1.0), Some(1.5))
    );
    assert_eq!(rate_bp(1, 3), Some(3333));
    assert_eq!(rate_bp(0, 0), None);
}

/// `funnel`, with the deals below `split_at` (their moves and activities)
/// tallied by a share of the tally and merged back, as two threads would.
fn split(
    facts: &FunnelFacts,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    negotiation: Option<i64>,
    split_at: i64,
) -> Funnel {
    let mut tally = FunnelTally::new(&facts.stages, from, to, negotiation);
    for d in &facts.deals {
        tally.deal(d);
    }
    let mut low = tally.share();
    let mut moves: Vec<MoveFact> = facts.moves.clone();
    moves.sort_by_key(|m| (m.deal_id, m.at));
    for deal in moves.chunk_by(|a, b| a.deal_id == b.deal_id) {
        if deal[0].deal_id < split_at {
            low.moves(deal);
        } else {
            tally.moves(deal);
        }
    }
    for (deal, at) in &facts.activities {
        if *deal < split_at {
            low.activity(*deal, *at);
        } else {
            tally.activity(*deal, *at);
        }
    }
    tally.merge(low);
    tally.finish()
}

/// `funnel`, with each move carrying the count of its deal's activities
/// during the stay it began (as `deal_paths` keeps them), and no activity
/// fed one by one.
fn counted(facts: &FunnelFacts, from: DateTime<Utc>, to: DateTime<Utc>, negotiation: Option<i64>) -> Funnel {
    let mut tally = FunnelTally::new(&facts.stages, from, to, negotiation);
    for d in &facts.deals {
        tally.deal(d);
    }
    let mut moves: Vec<MoveFact> = facts.moves.clone();
    moves.sort_by_key(|m| (m.deal_id, m.at));
    for deal in moves.chunk_by_mut(|a, b| a.deal_id == b.deal_id) {
        for i in 0..deal.len() {
            let (id, start, end) = (deal[i].deal_id, deal[i].at, deal.get(i + 1).map(|n| n.at));
            let inside = facts
                .activities
                .iter()
                .filter(|(d, at)| *d == id && start <= *at && end.is_none_or(|e| *at < e))
                .count();
            deal[i].activities = Some(u32::try_from(inside).unwrap_or(u32::MAX));
        }
        tally.moves(deal);
    }
    tally.finish()
}

proptest! {
    /// The median found by selection is the one of the sorted values: the
    /// middle one, or the mean of the two middle ones.
    #[test]
    fn the_median_is_the_sorted_middle(seconds in proptest::collection::vec(-5i64..2_000_000, 1..60)) {
        let mut sorted = seconds.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2] as f64
        } else {
            (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0
        };
        let mean = sorted.iter().sum::<i64>() as f64 / n as f64;
        let day = |s: f64| (s / 86_400.0 * 100.0).round() / 100.0;
        prop_assert_eq!(median_and_mean_days(seconds), (Some(day(median)), Some(day(mean))));
    }

    /// Whatever the history: no more advance than enter, conversion within
    /// 0-100 %, weighted never above the amount, and every closed deal in
    /// exactly one rounds bucket.
    #[test]
    fn funnel_invariants(
        hist in proptest::collection::vec((0i64..20, 1i64..5, 0i64..40), 0..80),
        amounts in proptest::collection::vec(proptest::option::of(0i64..1_000_000), 20),
        acts in proptest::collection::vec((0i64..20, 0i64..40), 0..40),
        split_at in 0i64..21,
    ) {
        let mut facts = november();
        facts.deals.clear();
        facts.moves.clear();
        let mut last: std::collections::HashMap<i64, (i64, i64)> = Default::default();
        let mut sorted = hist.clone();
        sorted.sort_by_key(|(_, _, day)| *day);
        for (d, to, day) in sorted {
            let at = nov(1) + Duration::days(day - 5);
            let from = last.get(&d).map(|(s, _)| *s);
            facts.moves.push(MoveFact { deal_id: d, from, to, at, seconds_in_from: 3600, activities: None });
            last.insert(d, (to, day));
        }
        for (d, (stage, day)) in &last {
            let status = match stage { 3 => DealStatus::Won, 4 => DealStatus::Lost, _ => DealStatus::Open };
            let closed = (status != DealStatus::Open).then(|| nov(1) + Duration::days(day - 5));
            let amount = amounts[usize::try_from(*d).unwrap_or(0)];
            facts.deals.push(deal(*d, *stage, status, amount, nov(1) - Duration::days(10), closed));
        }
        facts.activities = acts.into_iter().map(|(d, day)| (d, nov(1) + Duration::days(day - 5))).collect();
        let f = funnel(&facts, nov(1), nov(1) + Duration::days(30), Some(2));
        prop_assert_eq!(&f, &reference(&facts, nov(1), nov(1) + Duration::days(30), Some(2)));
        prop_assert_eq!(&f, &split(&facts, nov(1), nov(1) + Duration::days(30), Some(2), split_at));
        // the rounds from the counts kept per stay, as from the activities
        prop_assert_eq!(&f, &counted(&facts, nov(1), nov(1) + Duration::days(30), Some(2)));
        for s in &f.stages {
            prop_assert!(s.advanced <= s.entered);
            prop_assert!(s.conversion_bp.is_none_or(|c| c <= 10_000));
            prop_assert!(s.weighted_amount <= s.open_amount);
        }
        let bucketed: u64 = f.by_negotiation_rounds.iter().map(|r| r.closed).sum();
        prop_assert_eq!(bucketed, f.won + f.lost);
        prop_assert_eq!(f.open_deals, facts.deals.iter().filter(|d| d.status == DealStatus::Open).count() as u64);
    }
}
