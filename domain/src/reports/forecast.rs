//! The sales forecast (销售预测): open deals weighted by their stage's
//! probability, by expected close month of one year, by customer grade and
//! by product; deals whose expected close has passed are shown apart
//! instead of inflating a month that is over.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

/// An open deal as the forecast sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDeal {
    pub id: i64,
    pub amount: Option<i64>,
    /// The stage's win probability in percent.
    pub probability: i32,
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

/// Deals counted, their amount and amount x probability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub count: u64,
    pub amount: i64,
    pub weighted: i64,
}

impl Bucket {
    fn add(&mut self, amount: i64, probability: i32) {
        self.count += 1;
        self.amount = self.amount.saturating_add(amount);
        self.weighted = self.weighted.saturating_add(weighted(amount, probability));
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
}

/// Open deals sharing an expected close date and a customer grade: how
/// many, their amount and amount x probability (each deal rounded down).
/// The store sums these in SQL, so a forecast never loads every deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealGroup {
    pub expected_close: Option<NaiveDate>,
    pub grade: String,
    pub count: u64,
    pub amount: i64,
    pub weighted: i64,
}

/// Lines of open deals sharing a product and an expected close date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineGroup {
    pub product_id: i64,
    pub expected_close: Option<NaiveDate>,
    pub count: u64,
    pub total: i64,
    pub weighted: i64,
}

/// `deals` and `lines` grouped as the store groups them.
pub fn group(deals: &[OpenDeal], lines: &[DealLine]) -> (Vec<DealGroup>, Vec<LineGroup>) {
    let mut g: BTreeMap<(Option<NaiveDate>, String), Bucket> = BTreeMap::new();
    for d in deals {
        g.entry((d.expected_close, d.grade.clone()))
            .or_default()
            .add(d.amount.unwrap_or(0), d.probability);
    }
    let of: BTreeMap<i64, &OpenDeal> = deals.iter().map(|d| (d.id, d)).collect();
    let mut l: BTreeMap<(i64, Option<NaiveDate>), Bucket> = BTreeMap::new();
    for line in lines {
        if let Some(d) = of.get(&line.deal_id) {
            l.entry((line.product_id, d.expected_close))
                .or_default()
                .add(line.total, d.probability);
        }
    }
    (
        g.into_iter()
            .map(|((expected_close, grade), b)| DealGroup {
                expected_close,
                grade,
                count: b.count,
                amount: b.amount,
                weighted: b.weighted,
            })
            .collect(),
        l.into_iter()
            .map(|((product_id, expected_close), b)| LineGroup {
                product_id,
                expected_close,
                count: b.count,
                total: b.amount,
                weighted: b.weighted,
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

impl Bucket {
    fn merge(&mut self, count: u64, amount: i64, weighted: i64) {
        self.count += count;
        self.amount = self.amount.saturating_add(amount);
        self.weighted = self.weighted.saturating_add(weighted);
    }
}

/// The forecast of the grouped open deals for `year`, as of `today`.
pub fn forecast(deals: &[DealGroup], lines: &[LineGroup], year: i32, today: NaiveDate) -> Forecast {
    let mut f = Forecast::default();
    for d in deals {
        let bucket = match slot(d.expected_close, year, today) {
            Slot::Unscheduled => &mut f.unscheduled,
            Slot::PastDue => &mut f.past_due,
            Slot::Month(m) => {
                f.by_grade
                    .entry(d.grade.clone())
                    .or_default()
                    .merge(d.count, d.amount, d.weighted);
                &mut f.months[m]
            }
            Slot::Outside => continue,
        };
        bucket.merge(d.count, d.amount, d.weighted);
    }
    for l in lines {
        if let Slot::Month(_) = slot(l.expected_close, year, today) {
            f.by_product
                .entry(l.product_id)
                .or_default()
                .merge(l.count, l.total, l.weighted);
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
                weighted: 110_000
            }
        );
        assert_eq!(f.months[11].count, 1);
        assert_eq!(f.months[0], Bucket::default(), "January is over: its deal is past due");
        assert_eq!(
            f.past_due,
            Bucket {
                count: 1,
                amount: 50_000,
                weighted: 5_000
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
}
