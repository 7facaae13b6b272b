//! Rep rankings (排行榜): each rep's results for a period and their place on
//! each measure, ties sharing a place ("1224" ranking).

use std::collections::HashMap;

use super::funnel::rate_bp;

/// What reps are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    ContractAmount,
    CollectedAmount,
    NewCustomers,
    Activities,
    WinRate,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::ContractAmount,
        Measure::CollectedAmount,
        Measure::NewCustomers,
        Measure::Activities,
        Measure::WinRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::ContractAmount => "contract_amount",
            Measure::CollectedAmount => "collected_amount",
            Measure::NewCustomers => "new_customers",
            Measure::Activities => "activities",
            Measure::WinRate => "win_rate",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One rep's results in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepFigures {
    pub user_id: i64,
    pub contract_amount: i64,
    pub collected_amount: i64,
    pub new_customers: i64,
    pub activities: i64,
    pub won: u64,
    pub lost: u64,
}

impl RepFigures {
    pub fn win_rate_bp(&self) -> Option<u32> {
        rate_bp(self.won, self.won + self.lost)
    }

    /// The value ranked on `m`; a rep without a closed deal has no win rate and ranks last.
    pub fn value(&self, m: Measure) -> i64 {
        match m {
            Measure::ContractAmount => self.contract_amount,
            Measure::CollectedAmount => self.collected_amount,
            Measure::NewCustomers => self.new_customers,
            Measure::Activities => self.activities,
            Measure::WinRate => self.win_rate_bp().map_or(-1, i64::from),
        }
    }
}

/// Each rep's place on `m` (1 = best), ties sharing the better place.
pub fn places(reps: &[RepFigures], m: Measure) -> HashMap<i64, u32> {
    let mut values: Vec<i64> = reps.iter().map(|r| r.value(m)).collect();
    values.sort_unstable_by(|a, b| b.cmp(a));
    reps.iter()
        .map(|r| {
            let better = values.iter().take_while(|v| **v > r.value(m)).count();
            (r.user_id, u32::try_from(better + 1).unwrap_or(u32::MAX))
        })
        .collect()
}

/// `reps` ordered by `m`, best first, then by user id.
pub fn order(mut reps: Vec<RepFigures>, m: Measure) -> Vec<RepFigures> {
    reps.sort_by(|a, b| b.value(m).cmp(&a.value(m)).then(a.user_id.cmp(&b.user_id)));
    reps
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rep(user_id: i64, contract_amount: i64, won: u64, lost: u64) -> RepFigures {
        RepFigures {
            user_id,
            contract_amount,
            won,
            lost,
            ..RepFigures::default()
        }
    }

    #[test]
    fn ties_share_the_better_place() {
        let reps = vec![
            rep(1, 500, 1, 1),
            rep(2, 900, 0, 0),
            rep(3, 500, 3, 1),
            rep(4, 100, 0, 2),
        ];
        let p = places(&reps, Measure::ContractAmount);
        assert_eq!((p[&2], p[&1], p[&3], p[&4]), (1, 2, 2, 4));
        let ordered: Vec<i64> = order(reps.clone(), Measure::ContractAmount)
            .iter()
            .map(|r| r.user_id)
            .collect();
        assert_eq!(ordered, [2, 1, 3, 4]);
        // 75 %, 50 %, 0 %, and no closed deal last
        let w = places(&reps, Measure::WinRate);
        assert_eq!((w[&3], w[&1], w[&4], w[&2]), (1, 2, 3, 4));
        assert_eq!(reps[2].win_rate_bp(), Some(7500));
        assert_eq!(reps[1].win_rate_bp(), None);
    }

    #[test]
    fn measures_are_named() {
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.as_str()), Some(m));
        }
        assert_eq!(Measure::parse("charm"), None);
    }

    proptest! {
        /// Places run from 1, the best value holds place 1, and a rep's place
        /// is one more than the number of reps strictly better.
        #[test]
        fn places_count_the_better_reps(amounts in proptest::collection::vec(0i64..5, 1..30)) {
            let reps: Vec<RepFigures> = amounts.iter().enumerate().map(|(i, a)| rep(i64::try_from(i).unwrap_or(0), *a, 0, 0)).collect();
            let p = places(&reps, Measure::ContractAmount);
            for r in &reps {
                let better = reps.iter().filter(|o| o.contract_amount > r.contract_amount).count();
                prop_assert_eq!(p[&r.user_id] as usize, better + 1);
            }
            let best = amounts.iter().max().copied().unwrap_or(0);
            prop_assert!(reps.iter().filter(|r| r.contract_amount == best).all(|r| p[&r.user_id] == 1));
        }
    }
}
