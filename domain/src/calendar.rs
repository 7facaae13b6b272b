//! The organisation's calendar: its time zone (an IANA name, default
//! Asia/Shanghai), today's date there, and periods (day, week from Monday,
//! month, quarter, year) cut at local midnight and turned into UTC bounds for
//! queries. Stored times stay UTC; only the cutting is local (DESIGN.md
//! section 6).

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
pub use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use crate::vocabulary::Period;
pub use utc_days::{UtcDays, utc_days};

mod utc_days;

/// The zone used until an admin sets one.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// Organisation-wide settings that are not a business area of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgSettings {
    /// IANA time-zone name, e.g. "Asia/Shanghai", "Europe/Berlin".
    pub time_zone: String,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            time_zone: DEFAULT_ZONE.to_owned(),
        }
    }
}

impl OrgSettings {
    /// The zone; a stored name that no longer parses falls back to the default.
    pub fn zone(&self) -> Tz {
        zone(&self.time_zone).unwrap_or(chrono_tz::Asia::Shanghai)
    }
}

/// The zone named `name` (exact IANA spelling), or `None`.
pub fn zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The date in `tz` at instant `now`.
/// The years a month (and, in time, a date) may name: 1900 to 2199. A
/// statement month of 0000-01 was answered as "0-01", and 9999-12 could be
/// approved (issue #40 item 9).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Why a `YYYY-MM` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthError {
    /// Not four digits, a hyphen and a month 01-12.
    Format,
    /// A year outside [`YEARS`].
    Range,
}

/// The first day of the month `raw` names (`YYYY-MM`, surrounding white
/// space ignored), strictly: `2026-1`, `+2026-01` and `2026-01-05` are not months.
pub fn parse_month(raw: &str) -> Result<NaiveDate, MonthError> {
    let raw = raw.trim();
    let (year, month) = raw.split_once('-').ok_or(MonthError::Format)?;
    if year.len() != 4 || month.len() != 2 || !year.bytes().chain(month.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(MonthError::Format);
    }
    let (y, m): (i32, u32) = (
        year.parse().map_err(|_| MonthError::Format)?,
        month.parse().map_err(|_| MonthError::Format)?,
    );
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or(MonthError::Format)?;
    if YEARS.contains(&y) {
        Ok(first)
    } else {
        Err(MonthError::Range)
    }
}

/// Whether the month beginning on `first` has begun by `today`: a month's
/// statements are approved once it has, never ahead.
pub fn has_begun(first: NaiveDate, today: NaiveDate) -> bool {
    first <= today
}

pub fn today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The first instant of local day `day` in `tz`. Where midnight does not exist
/// (a daylight-saving gap at 00:00), the day starts at the first instant after
/// the gap; where it happens twice, at the first one.
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            // gaps are at most a few hours long: find the first local minute that exists
            (1..=24 * 60)
                .find_map(|m| tz.from_local_datetime(&(midnight + Duration::minutes(m))).earliest())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| midnight.and_utc())
        }
    }
}

/// A run of local dates: `start` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Dates {
    /// Number of days.
    pub fn days(self) -> i64 {
        (self.end - self.start).num_days()
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.start <= d && d < self.end
    }

    /// The UTC instants the dates cover in `tz`: `[from, to)`.
    pub fn instants(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (day_start(self.start, tz), day_start(self.end, tz))
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MAX)
}

fn month_start(y: i32, m: u32) -> NaiveDate {
    // months past December roll into the next year
    let (y, m) = (y + i32::try_from((m - 1) / 12).unwrap_or(0), (m - 1) % 12 + 1);
    ymd(y, m, 1)
}

/// The period of kind `p` that holds `d`.
pub fn period_of(p: Period, d: NaiveDate) -> Dates {
    match p {
        Period::Day => Dates {
            start: d,
            end: d + Duration::days(1),
        },
        Period::Week => {
            let start = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
            Dates {
                start,
                end: start + Duration::days(7),
            }
        }
        Period::Month => Dates {
            start: month_start(d.year(), d.month()),
            end: month_start(d.year(), d.month() + 1),
        },
        Period::Quarter => {
            let first = (d.month() - 1) / 3 * 3 + 1;
            Dates {
                start: month_start(d.year(), first),
                end: month_start(d.year(), first + 3),
            }
        }
        Period::Year => Dates {
            start: ymd(d.year(), 1, 1),
            end: ymd(d.year() + 1, 1, 1),
        },
    }
}

/// The period of kind `p` just before `dates` (which is one such period).
pub fn previous(p: Period, dates: Dates) -> Dates {
    period_of(p, dates.start - Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("a time")
    }

    #[test]
    fn a_month_is_four_digits_a_hyphen_and_two_within_the_years() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("a day");
        assert_eq!(parse_month("2026-11"), Ok(d(2026, 11)));
        assert_eq!(parse_month(" 1900-01 "), Ok(d(1900, 1)));
        assert_eq!(parse_month("2199-12"), Ok(d(2199, 12)));
        for bad in ["0000-01", "1899-12", "2200-01", "9999-12"] {
            assert_eq!(parse_month(bad), Err(MonthError::Range), "{bad}");
        }
        for bad in [
            "2026-1",
            "+2026-01",
            "2026-13",
            "2026-00",
            "2026-01-05",
            "2026",
            "２０２６-01",
            "20x6-01",
            "",
        ] {
            assert_eq!(parse_month(bad), Err(MonthError::Format), "{bad}");
        }
        assert!(has_begun(
            d(2026, 12),
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day")
        ));
        assert!(!has_begun(
            d(2027, 1),
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("a day")
        ));
    }

    #[test]
    fn today_is_the_local_date() {
        let sh = chrono_tz::Asia::Shanghai;
        assert_eq!(today(at("2026-11-28T15:59:59Z"), sh), ymd(2026, 11, 28));
        assert_eq!(today(at("2026-11-28T16:00:00Z"), sh), ymd(2026, 11, 29));
        let ny = chrono_tz::America::New_York;
        assert_eq!(today(at("2026-11-28T04:59:59Z"), ny), ymd(2026, 11, 27));
        assert_eq!(today(at("2026-11-28T05:00:00Z"), ny), ymd(2026, 11, 28));
    }

    #[test]
    fn zones_are_named_exactly() {
        assert_eq!(zone("Asia/Shanghai"), Some(chrono_tz::Asia::Shanghai));
        assert_eq!(zone("UTC"), Some(chrono_tz::UTC));
        assert_eq!(zone("Mars/Olympus"), None);
        assert_eq!(zone(""), None);
        let broken = OrgSettings {
            time_zone: "Nowhere".into(),
        };
        assert_eq!(broken.zone(), chrono_tz::Asia::Shanghai);
        assert_eq!(OrgSettings::default().zone(), chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn days_start_at_local_midnight_also_across_daylight_saving() {
        let sh = chrono_tz::Asia::Shanghai;
        assert_eq!(day_start(ymd(2026, 12, 1), sh), at("2026-11-30T16:00:00Z"));
        let berlin = chrono_tz::Europe::Berlin;
        // 29 March 2026: clocks go from 02:00 to 03:00, the day is 23 hours long
        let d = Dates {
            start: ymd(2026, 3, 29),
            end: ymd(2026, 3, 30),
        };
        let (from, to) = d.instants(berlin);
        assert_eq!(from, at("2026-03-28T23:00:00Z"));
        assert_eq!((to - from).num_hours(), 23);
        // Santiago skips midnight itself (00:00 -> 01:00) on 6 September 2026
        let santiago = chrono_tz::America::Santiago;
        let start = day_start(ymd(2026, 9, 6), santiago);
        assert_eq!(start.with_timezone(&santiago).date_naive(), ymd(2026, 9, 6));
        assert_eq!(today(start - Duration::seconds(1), santiago), ymd(2026, 9, 5));
    }

    #[test]
    fn periods_are_cut_as_the_calendar_says() {
        let d = ymd(2026, 11, 28); // a Saturday
        let week = period_of(Period::Week, d);
        assert_eq!((week.start, week.end), (ymd(2026, 11, 23), ymd(2026, 11, 30)));
        assert_eq!(week.days(), 7);
        let month = period_of(Period::Month, d);
        assert_eq!((month.start, month.end), (ymd(2026, 11, 1), ymd(2026, 12, 1)));
        let dec = period_of(Period::Month, ymd(2026, 12, 31));
        assert_eq!((dec.start, dec.end), (ymd(2026, 12, 1), ymd(2027, 1, 1)));
        let q = period_of(Period::Quarter, d);
        assert_eq!((q.start, q.end), (ymd(2026, 10, 1), ymd(2027, 1, 1)));
        let q1 = period_of(Period::Quarter, ymd(2026, 3, 31));
        assert_eq!((q1.start, q1.end), (ymd(2026, 1, 1), ymd(2026, 4, 1)));
        let y = period_of(Period::Year, d);
        assert_eq!((y.start, y.end, y.days()), (ymd(2026, 1, 1), ymd(2027, 1, 1), 365));
        assert_eq!(period_of(Period::Day, d).days(), 1);
        assert_eq!(
            previous(Period::Month, month),
            period_of(Period::Month, ymd(2026, 10, 5))
        );
    }

    #[test]
    fn period_names_round_trip() {
        for p in Period::ALL {
            assert_eq!(p.as_str().parse::<Period>(), Ok(*p));
        }
        assert!("fortnight".parse::<Period>().is_err());
    }

    proptest! {
        /// Every date lies in its period, periods of one kind tile the
        /// calendar (each ends where the next starts), and a period's UTC
        /// bounds hold exactly the instants whose local date is in it.
        #[test]
        fn periods_tile_and_hold_their_dates(days in 0i64..40_000, p in 0usize..5, secs in 0i64..86_400) {
            let d = ymd(1990, 1, 1) + Duration::days(days);
            let kind = Period::ALL[p];
            let here = period_of(kind, d);
            prop_assert!(here.contains(d));
            prop_assert!(here.days() >= 1 && here.days() <= 366);
            prop_assert_eq!(period_of(kind, here.end), period_of(kind, here.end));
            prop_assert_eq!(period_of(kind, here.end).start, here.end);
            prop_assert_eq!(previous(kind, period_of(kind, here.end)), here);
            for tz in [chrono_tz::Asia::Shanghai, chrono_tz::Europe::Berlin, chrono_tz::America::Santiago] {
                let (from, to) = here.instants(tz);
                prop_assert!(from < to);
                prop_assert!(here.contains(today(from, tz)));
                prop_assert!(!here.contains(today(from - Duration::seconds(1), tz)));
                prop_assert!(!here.contains(today(to, tz)));
                let inside = from + Duration::seconds(secs % (to - from).num_seconds().max(1));
                prop_assert!(here.contains(today(inside, tz)));
            }
        }
    }
}
