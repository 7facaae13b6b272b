//! Win/loss by competitor (#41 item 5): over the deals closed in a period
//! with a competitor in play, how many each competitor met, how many of
//! those we won and lost, how many we lost to it, the amounts, the win rate
//! and the most common reasons we lost.

use std::collections::BTreeMap;

/// A closed deal with one competitor that was in play on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Met {
    pub deal_id: i64,
    pub competitor_id: i64,
    pub won: bool,
    /// Minor units; a deal without an amount counts 0.
    pub amount: i64,
    /// The competitor the deal was lost to, if it was.
    pub lost_to: Option<i64>,
    pub lost_reason: Option<String>,
}

/// One competitor's record against us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub competitor_id: i64,
    /// Closed deals it was in play on.
    pub met: u64,
    pub won: u64,
    pub lost: u64,
    /// Of the lost ones, those lost to this competitor.
    pub lost_to_it: u64,
    pub won_amount: i64,
    pub lost_amount: i64,
    /// won / (won + lost) in basis points; `None` with no closed deal.
    pub win_rate_bp: Option<u32>,
    /// The most common lost reasons, most frequent first (ties by text), at most three.
    pub top_lost_reasons: Vec<(String, u64)>,
}

/// The record of every competitor met, by competitor id.
pub fn win_loss(met: &[Met]) -> Vec<Record> {
    let mut records: BTreeMap<i64, Record> = BTreeMap::new();
    let mut reasons: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
    for m in met {
        let r = records.entry(m.competitor_id).or_insert_with(|| Record {
            competitor_id: m.competitor_id,
            ..Record::default()
        });
        r.met += 1;
        if m.won {
            r.won += 1;
            r.won_amount = r.won_amount.saturating_add(m.amount);
        } else {
            r.lost += 1;
            r.lost_amount = r.lost_amount.saturating_add(m.amount);
            if m.lost_to == Some(m.competitor_id) {
                r.lost_to_it += 1;
            }
            if let Some(reason) = m.lost_reason.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                *reasons
                    .entry(m.competitor_id)
                    .or_default()
                    .entry(reason.to_owned())
                    .or_default() += 1;
            }
        }
    }
    records
        .into_values()
        .map(|mut r| {
            let closed = r.won + r.lost;
            r.win_rate_bp = (closed > 0).then(|| u32::try_from(r.won * 10_000 / closed).unwrap_or(10_000));
            let mut top: Vec<(String, u64)> = reasons
                .remove(&r.competitor_id)
                .unwrap_or_default()
                .into_iter()
                .collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            top.truncate(3);
            r.top_lost_reasons = top;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn met(
        deal_id: i64,
        competitor_id: i64,
        won: bool,
        amount: i64,
        lost_to: Option<i64>,
        reason: Option<&str>,
    ) -> Met {
        Met {
            deal_id,
            competitor_id,
            won,
            amount,
            lost_to,
            lost_reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn each_competitor_gets_its_own_record() {
        // deal 1 won 100 against A and B; deal 2 lost 50 to A (B also in play); deal 3 lost 30 to B against A
        let rows = [
            met(1, 1, true, 100, None, None),
            met(1, 2, true, 100, None, None),
            met(2, 1, false, 50, Some(1), Some("价格")),
            met(2, 2, false, 50, Some(1), Some("价格")),
            met(3, 1, false, 30, Some(2), Some("关系")),
        ];
        let r = win_loss(&rows);
        assert_eq!(r.len(), 2);
        let a = &r[0];
        assert_eq!((a.met, a.won, a.lost, a.lost_to_it), (3, 1, 2, 1));
        assert_eq!((a.won_amount, a.lost_amount, a.win_rate_bp), (100, 80, Some(3333)));
        assert_eq!(a.top_lost_reasons, [("价格".to_owned(), 1), ("关系".to_owned(), 1)]);
        let b = &r[1];
        assert_eq!(
            (b.met, b.won, b.lost, b.lost_to_it, b.win_rate_bp),
            (2, 1, 1, 0, Some(5000))
        );
    }

    proptest! {
        #[test]
        fn met_is_won_plus_lost_and_lost_to_it_never_exceeds_lost(
            rows in proptest::collection::vec((1i64..50, 1i64..4, any::<bool>(), 0i64..1000, proptest::option::of(1i64..4)), 0..40)
        ) {
            let met: Vec<Met> = rows.iter().map(|(d, c, w, a, to)| met(*d, *c, *w, *a, if *w { None } else { *to }, None)).collect();
            for r in win_loss(&met) {
                prop_assert_eq!(r.met, r.won + r.lost);
                prop_assert!(r.lost_to_it <= r.lost);
                prop_assert!(r.win_rate_bp.is_some_and(|bp| bp <= 10_000));
            }
        }
    }
}
