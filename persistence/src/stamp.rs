//! Timestamps read fast. diesel reads an SQLite timestamp by trying chrono
//! formats in turn, parsing the format string again for every value (about
//! half a microsecond); a report that reads millions of them spent seconds
//! there. Stored timestamps are `YYYY-MM-DD HH:MM:SS[.ffffff]`, parsed here
//! by hand, with chrono for anything else. PostgreSQL sends them binary and
//! goes through diesel as before.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use crate::conn::MultiBackend;

/// A stored (naive UTC) timestamp, for queries that read many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl Stamp {
    pub fn utc(self) -> DateTime<Utc> {
        self.0.and_utc()
    }
}

/// For rows whose fields stay `NaiveDateTime`: `#[diesel(deserialize_as = Stamp)]`.
impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> NaiveDateTime {
        s.0
    }
}

/// A stored timestamp that may be NULL, read like [`Stamp`], for rows whose
/// fields stay `Option<NaiveDateTime>`: `#[diesel(deserialize_as = MaybeStamp)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(s: MaybeStamp) -> Option<NaiveDateTime> {
        s.0
    }
}

impl<DB> FromSql<Nullable<Timestamp>, DB> for MaybeStamp
where
    DB: Backend,
    Stamp: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Stamp::from_sql(value).map(|s| MaybeStamp(Some(s.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(v) => Self::from_sql(v),
            None => Ok(MaybeStamp(None)),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or `T` between), then optionally `.` and 1-9
/// digits of fraction; `None` for anything else.
pub fn parse(text: &str) -> Option<NaiveDateTime> {
    parse_bytes(text.as_bytes())
}

/// [`parse`] over bytes, as read out of a longer text.
pub fn parse_bytes(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?
            .iter()
            .try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let mut nanos = 0;
    match b.get(19) {
        None => {}
        Some(b'.') => {
            let digits = b.len() - 20;
            if !(1..=9).contains(&digits) {
                return None;
            }
            nanos = num(20..b.len())? * 10u32.pow(u32::try_from(9 - digits).ok()?);
        }
        Some(_) => return None,
    }
    let time = NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(date.and_time(time))
}

/// A timestamp as SQLite stores it: [`parse`], else the other forms diesel
/// reads (an offset, a `T`).
pub fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    parse(text).or_else(|| {
        ["%F %T%.f", "%F %T%.f%:z", "%FT%T%.f", "%FT%T%.f%:z"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    })
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        // read in place, no String per value: `read_text` hands out SQLite's
        // own buffer, where diesel (2.3.14) copies a text read as a blob
        // (`sqlite3_value_dup`: two allocations and two frees a value)
        let text = value.read_text();
        if let Some(t) = parse_bytes(text.as_bytes()) {
            return Ok(Stamp(t));
        }
        parse_stored(text)
            .map(Stamp)
            .ok_or_else(|| format!("invalid timestamp {text}").into())
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}
