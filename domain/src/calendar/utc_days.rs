//! A period cut on UTC midnights, for figures kept per UTC day (the
//! activities each author logged, `activity_days`): the whole UTC days it
//! holds come from the kept counts, the instants before and after them from
//! the records. Exact in any organisation time zone, quarter-hour offsets
//! included, since the cut never assumes the period starts at a UTC
//! midnight.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// `[from, to)` as whole UTC days and what is left at its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDays {
    /// The whole UTC days: `start` included, `end` excluded (`None`: none).
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// The instants outside those days, each `[from, to)` and not empty:
    /// before the first day and after the last, or the whole period when it
    /// holds no whole day.
    pub edges: [Option<(DateTime<Utc>, DateTime<Utc>)>; 2],
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// `[from, to)` cut on UTC midnights (empty when `to <= from`).
pub fn utc_days(from: DateTime<Utc>, to: DateTime<Utc>) -> UtcDays {
    let none = UtcDays {
        days: None,
        edges: [None, None],
    };
    if to <= from {
        return none;
    }
    let first = if from.time() == NaiveTime::MIN {
        Some(from.date_naive())
    } else {
        from.date_naive().succ_opt()
    };
    let last = to.date_naive();
    match first {
        Some(first) if first < last => {
            let (a, b) = (midnight(first), midnight(last));
            UtcDays {
                days: Some((first, last)),
                edges: [(from < a).then_some((from, a)), (b < to).then_some((b, to))],
            }
        }
        _ => UtcDays {
            days: None,
            edges: [Some((from, to)), None],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a UTC time")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn a_shanghai_year_is_its_whole_utc_days_and_two_edges() {
        let cut = utc_days(at("2025-12-31T16:00:00Z"), at("2026-12-31T16:00:00Z"));
        assert_eq!(cut.days, Some((day("2026-01-01"), day("2026-12-31"))));
        assert_eq!(
            cut.edges,
            [
                Some((at("2025-12-31T16:00:00Z"), at("2026-01-01T00:00:00Z"))),
                Some((at("2026-12-31T00:00:00Z"), at("2026-12-31T16:00:00Z"))),
            ]
        );
    }

    #[test]
    fn utc_midnights_leave_no_edges_and_short_periods_no_days() {
        let utc = utc_days(at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"));
        assert_eq!(utc.days, Some((day("2026-01-01"), day("2026-02-01"))));
        assert_eq!(utc.edges, [None, None]);
        // Kathmandu (+05:45): a local day spans two UTC days, none whole
        let nepal = utc_days(at("2026-03-01T18:15:00Z"), at("2026-03-02T18:15:00Z"));
        assert_eq!(nepal.days, None);
        assert_eq!(
            nepal.edges,
            [Some((at("2026-03-01T18:15:00Z"), at("2026-03-02T18:15:00Z"))), None]
        );
        let exact_day = utc_days(at("2026-03-01T00:00:00Z"), at("2026-03-02T00:00:00Z"));
        assert_eq!(exact_day.days, Some((day("2026-03-01"), day("2026-03-02"))));
        assert_eq!(exact_day.edges, [None, None]);
        let empty = utc_days(at("2026-03-02T00:00:00Z"), at("2026-03-01T00:00:00Z"));
        assert_eq!((empty.days, empty.edges), (None, [None, None]));
    }

    proptest! {
        /// The pieces are ordered, disjoint, none empty, each edge shorter
        /// than a day and the days on UTC midnights; and an instant falls in
        /// exactly one piece when it lies in `[from, to)`, in none otherwise.
        #[test]
        fn the_pieces_tile_the_period(
            start in 0i64..2_000_000,
            minutes in 0i64..600_000,
            probe in -100_000i64..700_000,
        ) {
            let from = at("2025-01-01T00:00:00Z") + Duration::minutes(start);
            let to = from + Duration::minutes(minutes);
            let cut = utc_days(from, to);
            let mut pieces: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
            if let Some(first) = cut.edges[0] {
                pieces.push(first);
            }
            if let Some((a, b)) = cut.days {
                prop_assert!(a < b);
                pieces.push((midnight(a), midnight(b)));
            }
            if let Some(last) = cut.edges[1] {
                pieces.push(last);
            }
            for (i, (a, b)) in pieces.iter().enumerate() {
                prop_assert!(a < b);
                if i > 0 {
                    prop_assert_eq!(pieces[i - 1].1, *a);
                }
            }
            for edge in cut.edges.iter().flatten() {
                if cut.days.is_some() {
                    prop_assert!(edge.1 - edge.0 < Duration::days(1));
                }
            }
            if minutes == 0 {
                prop_assert!(pieces.is_empty());
            } else {
                prop_assert_eq!(pieces.first().map(|p| p.0), Some(from));
                prop_assert_eq!(pieces.last().map(|p| p.1), Some(to));
            }
            let t = from + Duration::minutes(probe);
            let holding = pieces.iter().filter(|(a, b)| *a <= t && t < *b).count();
            prop_assert_eq!(holding, usize::from(from <= t && t < to));
        }
    }
}
