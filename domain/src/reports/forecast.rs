//! The sales forecast (销售预测): open deals weighted by their stage's
//! probability and, side by side, by their rep's own
//! (`crate::pipeline::judgement`), by expected close month of one year, by
//! customer grade, by product and by forecast category; deals whose
//! expected close has passed are shown apart instead of inflating a month
//! that is over. Deals their rep marked `omitted` count in their category
//! only.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::vocabulary::ForecastCategory;

/// An open deal as the forecast sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDeal {
    pub id: i64,
    pub amount: Option<i64>,
    /// The stage's win probability in percent.
    pub probability: i32,
    /// The rep's, when they gave one.
    pub rep_probability: Option<i32>,
    pub category: ForecastCategory,
    pub expected_close: Option<NaiveDate>,
    pub grade: String,
}

/// A line of an open deal: product and total in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealLine {
    pub deal_id: i64,
    pub product_id: i64,
    pub total: i64,
}

/// Deals counted, their amount, amount x the stage's probability and
/// amount x the rep's (each deal rounded down).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub count: u64,
    pub amount: i64,
    pub weighted: i64,
    pub rep_weighted: i64,
}

impl Bucket {
    fn add(&mut self, amount: i64, probability: i32, rep_probability: i32) {
        self.merge(&Bucket {
            count: 1,
            amount,
            weighted: weighted(amount, probability),
            rep_weighted: weighted(amount, rep_probability),
        });
    }

    fn merge(&mut self, other: &Bucket) {
        self.count += other.count;
        self.amount = self.amount.saturating_add(other.amount);
        self.weighted = self.weighted.saturating_add(other.weighted);
        self.rep_weighted = self.rep_weighted.saturating_add(other.rep_weighted);
    }
}

/// `amount` x `probability` %, rounded down.
pub fn weighted(amount: i64, probability: i32) -> i64 {
    i64::try_from(i128::from(amount) * i128::from(probability.clamp(0, 100)) / 100).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forecast {
    /// Months 1-12 of the year (index 0 is January).
    pub months: [Bucket; 12],
    /// Expected to close before today and still open.
    pub past_due: Bucket,
    /// No expected close date.
    pub unscheduled: Bucket,
    /// The year's months, by customer grade.
    pub by_grade: BTreeMap<String, Bucket>,
    /// The year's months, by product (line totals).
    pub by_product: BTreeMap<i64, Bucket>,
    /// The year's months, by the category the rep put each deal in
    /// (`omitted` ones included here only).
    pub by_category: BTreeMap<ForecastCategory, Bucket>,
}

/// Open deals sharing an expected close date, a customer grade and a
/// forecast category: how many, their amount and amount x each probability.
/// The store sums these in SQL, so a forecast never loads every deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealGroup {
    pub expected_close: Option<NaiveDate>,
    pub grade: String,
    pub category: ForecastCategory,
    pub sums: Bucket,
}

/// Lines of open deals sharing a product, an expected close date and
/// whether their deal is omitted; `sums.amount` is the lines' total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineGroup {
    pub product_id: i64,
    pub expected_close: Option<NaiveDate>,
    pub omitted: bool,
    pub sums: Bucket,
}

/// `deals` and `lines` grouped as the store groups them.
pub fn group(deals: &[OpenDeal], lines: &[DealLine]) -> (Vec<DealGroup>, Vec<LineGroup>) {
    let rep = |d: &OpenDeal| crate::pipeline::judgement::probability_of(d.rep_probability, d.probability);
    let mut g: BTreeMap<(Option<NaiveDate>, String, ForecastCategory), Bucket> = BTreeMap::new();
    for d in deals {
        g.entry((d.expected_close, d.grade.clone(), d.category))
            .or_default()
            .add(d.amount.unwrap_or(0), d.probability, rep(d));
    }
    let of: BTreeMap<i64, &OpenDeal> = deals.iter().map(|d| (d.id, d)).collect();
    let mut l: BTreeMap<(i64, Option<NaiveDate>, bool), Bucket> = BTreeMap::new();
    for line in lines {
        if let Some(d) = of.get(&line.deal_id) {
            l.entry((
                line.product_id,
                d.expected_close,
                d.category == ForecastCategory::Omitted,
            ))
            .or_default()
            .add(line.total, d.probability, rep(d));
        }
    }
    (
        g.into_iter()
            .map(|((expected_close, grade, category), sums)| DealGroup {
                expected_close,
                grade,
                category,
                sums,
            })
            .collect(),
        l.into_iter()
            .map(|((product_id, expected_close, omitted), sums)| LineGroup {
                product_id,
                expected_close,
                omitted,
                sums,
            })
            .collect(),
    )
}

/// Where an expected close date falls for `year` as of `today`.
enum Slot {
    Unscheduled,
    PastDue,
    Month(usize),
    Outside,
}

fn slot(close: Option<NaiveDate>, year: i32, today: NaiveDate) -> Slot {
    match close {
        None => Slot::Unscheduled,
        Some(c) if c < today => Slot::PastDue,
        Some(c) if c.year() == year => Slot::Month(usize::try_from(c.month0()).unwrap_or(0)),
        Some(_) => Slot::Outside,
    }
}

/// The forecast of the grouped open deals for `year`, as of `today`.
pub fn forecast(deals: &[DealGroup], lines: &[LineGroup], year: i32, today: NaiveDate) -> Forecast {
    let mut f = Forecast::default();
    for d in deals {
        let slot = slot(d.expected_close, year, today);
        if let Slot::Month(_) = slot {
            f.by_category.entry(d.category).or_default().merge(&d.sums);
        }
        if d.category == ForecastCategory::Omitted {
            continue;
        }
        let bucket = match slot {
            Slot::Unscheduled => &mut f.unscheduled,
            Slot::PastDue => &mut f.past_due,
            Slot::Month(m) => {
                f.by_grade.entry(d.grade.clone()).or_default().merge(&d.sums);
                &mut f.months[m]
            }
            Slot::Outside => continue,
        };
        bucket.merge(&d.sums);
    }
    for l in lines {
        if let (Slot::Month(_), false) = (slot(l.expected_close, year, today), l.omitted) {
            f.by_product.entry(l.product_id).or_default().merge(&l.sums);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn deal(id: i64, amount: Option<i64>, probability: i32, close: Option<NaiveDate>, grade: &str) -> OpenDeal {
        OpenDeal {
            id,
            amount,
            probability,
            rep_probability: None,
            category: ForecastCategory::Pipeline,
            expected_close: close,
            grade: grade.into(),
        }
    }

    #[test]
    fn deals_land_in_their_month_past_due_or_unscheduled() {
        let today = day(2027, 3, 10);
        let deals = [
            deal(1, Some(100_000), 10, Some(day(2027, 3, 15)), "A"),
            deal(2, Some(200_000), 50, Some(day(2027, 3, 20)), "B"),
            deal(3, Some(50_000), 10, Some(day(2027, 1, 10)), "A"),
            deal(4, Some(999), 33, None, "C"),
            deal(5, None, 80, Some(day(2027, 12, 31)), "C"),
            deal(6, Some(7), 50, Some(day(2028, 1, 1)), "A"),
        ];
        let lines = [
            DealLine {
                deal_id: 1,
                product_id: 9,
                total: 100_000,
            },
            DealLine {
                deal_id: 3,
                product_id: 9,
                total: 50_000,
            },
        ];
        let (deals, lines) = group(&deals, &lines);
        let f = forecast(&deals, &lines, 2027, today);
        assert_eq!(
            f.months[2],
            Bucket {
                count: 2,
                amount: 300_000,
                weighted: 110_000,
                rep_weighted: 110_000,
            }
        );
        assert_eq!(f.months[11].count, 1);
        assert_eq!(f.months[0], Bucket::default(), "January is over: its deal is past due");
        assert_eq!(
            f.past_due,
            Bucket {
                count: 1,
                amount: 50_000,
                weighted: 5_000,
                rep_weighted: 5_000,
            }
        );
        assert_eq!(f.unscheduled.weighted, 329, "999 x 33 % rounded down");
        assert_eq!(f.by_grade["A"].weighted, 10_000);
        assert_eq!(f.by_grade["B"].weighted, 100_000);
        assert_eq!(f.by_grade["C"].count, 1);
        assert_eq!(f.by_product[&9].weighted, 10_000, "only the in-year deal's line");
        let total: u64 = f.months.iter().map(|b| b.count).sum();
        assert_eq!(
            total + f.past_due.count + f.unscheduled.count,
            5,
            "the 2028 deal is outside"
        );
    }

    #[test]
    fn the_reps_probability_weighs_beside_the_stages_and_omitted_deals_count_in_their_category_only() {
        let today = day(2027, 3, 10);
        let judged = |id, amount, stage, rep, category| OpenDeal {
            rep_probability: rep,
            category,
            ..deal(id, Some(amount), stage, Some(day(2027, 6, 1)), "A")
        };
        let deals = [
            judged(1, 100_000, 10, Some(60), ForecastCategory::Commit),
            judged(2, 200_000, 50, None, ForecastCategory::BestCase),
            judged(3, 30_000, 40, Some(5), ForecastCategory::Omitted),
            judged(4, 7_777, 25, Some(33), ForecastCategory::Pipeline),
        ];
        let lines = [DealLine {
            deal_id: 3,
            product_id: 9,
            total: 30_000,
        }];
        let (deals, lines) = group(&deals, &lines);
        let f = forecast(&deals, &lines, 2027, today);
        // 100,000 x 10 % + 200,000 x 50 % + 7,777 x 25 % = 10,000 + 100,000 + 1,944
        // 100,000 x 60 % + 200,000 x 50 % + 7,777 x 33 % = 60,000 + 100,000 + 2,566
        assert_eq!(
            f.months[5],
            Bucket {
                count: 3,
                amount: 307_777,
                weighted: 111_944,
                rep_weighted: 162_566,
            }
        );
        assert_eq!(f.by_grade["A"], f.months[5], "the omitted deal is in no month or grade");
        assert!(f.by_product.is_empty(), "nor among products");
        assert_eq!(
            f.by_category[&ForecastCategory::Omitted],
            Bucket {
                count: 1,
                amount: 30_000,
                weighted: 12_000,
                rep_weighted: 1_500,
            }
        );
        assert_eq!(f.by_category[&ForecastCategory::Commit].rep_weighted, 60_000);
        assert_eq!(f.by_category[&ForecastCategory::BestCase].weighted, 100_000);
        assert_eq!(f.by_category[&ForecastCategory::Pipeline].rep_weighted, 2_566);
        let counted: u64 = f.by_category.values().map(|b| b.count).sum();
        assert_eq!(counted, 4);
    }
}
