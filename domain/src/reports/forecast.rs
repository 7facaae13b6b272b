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
        self.amount += amount;
        self.weighted += weighted(amount, probability);
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

/// The forecast of `deals` for `year`, as of `today`.
pub fn forecast(deals: &[OpenDeal], lines: &[DealLine], year: i32, today: NaiveDate) -> Forecast {
    let mut f = Forecast::default();
    let mut in_year: BTreeMap<i64, i32> = BTreeMap::new();
    for d in deals {
        let amount = d.amount.unwrap_or(0);
        match d.expected_close {
            None => f.unscheduled.add(amount, d.probability),
            Some(c) if c < today => f.past_due.add(amount, d.probability),
            Some(c) if c.year() == year => {
                let m = usize::try_from(c.month0()).unwrap_or(0);
                f.months[m].add(amount, d.probability);
                f.by_grade
                    .entry(d.grade.clone())
                    .or_default()
                    .add(amount, d.probability);
                in_year.insert(d.id, d.probability);
            }
            Some(_) => {}
        }
    }
    for l in lines {
        if let Some(p) = in_year.get(&l.deal_id) {
            f.by_product.entry(l.product_id).or_default().add(l.total, *p);
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
