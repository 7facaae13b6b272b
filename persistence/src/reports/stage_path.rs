//! A deal's stage path (a row of `deal_paths`, see the migrations
//! `deal_paths` and `stay_activities`):
//! `to,from,changed_at,seconds_in_from,activities` per change, joined by
//! `;`. Read in place: the text is parsed where the database holds it, in
//! one pass over its bytes, with no `String` copied out first. The year
//! funnel over a million deals read each path into a `String`, split it with
//! `str::split` twice, and copied the steps out again: the splitting alone
//! was about 7 % of its CPU samples under perf. (Steps kept inline, eight
//! in the row instead of a `Vec`, were slower: the row was copied whole at
//! each of diesel's steps, 7 % of the samples in `memmove`.)

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use domain::reports::funnel::MoveFact;

use crate::conn::MultiBackend;
use crate::{RepoError, stamp};

/// A path's steps in the order stored, with a `deal_id` of 0, or its text
/// when it does not read (the row's other column says whose they are:
/// [`Path::of`], which names the deal in the error).
#[derive(Debug, Clone, FromSqlRow)]
pub struct Path(Result<Vec<MoveFact>, String>);

impl Path {
    /// The steps, as deal `deal`'s.
    pub fn of(self, deal: i64) -> Result<Vec<MoveFact>, RepoError> {
        let mut steps = self
            .0
            .map_err(|text| RepoError::Corrupt(format!("stage path of deal {deal}: {text}")))?;
        for step in &mut steps {
            step.deal_id = deal;
        }
        Ok(steps)
    }

    /// The path stored as `text`.
    fn read(text: &[u8]) -> Path {
        Path(Path::parse(text).ok_or_else(|| String::from_utf8_lossy(text).into_owned()))
    }

    /// The steps of `text`; `None` when it does not read.
    pub fn parse(text: &[u8]) -> Option<Vec<MoveFact>> {
        // one allocation: a step per `;`, and one more
        let steps = text.iter().filter(|b| **b == b';').count() + 1;
        let mut path = Vec::with_capacity(steps);
        let mut rest = text;
        loop {
            let (to, r) = int(rest)?;
            rest = r.strip_prefix(b",")?;
            let from = if rest.first() == Some(&b',') {
                None
            } else {
                let (from, r) = int(rest)?;
                rest = r;
                Some(from)
            };
            rest = rest.strip_prefix(b",")?;
            let end = rest.iter().position(|b| *b == b',')?;
            let at = &rest[..end];
            let at = stamp::parse_bytes(at)
                .or_else(|| stamp::parse_stored(std::str::from_utf8(at).ok()?))?
                .and_utc();
            let (seconds_in_from, mut r) = int(&rest[end + 1..])?;
            // the activities of the stay (migration 036); a path written
            // before it has none, and the funnel looks them up
            let activities = match r.strip_prefix(b",") {
                Some(more) => {
                    let (n, more) = int(more)?;
                    r = more;
                    Some(u32::try_from(n).ok()?)
                }
                None => None,
            };
            path.push(MoveFact {
                deal_id: 0,
                to,
                from,
                at,
                seconds_in_from,
                activities,
            });
            match r.split_first() {
                None => return Some(path),
                Some((b';', r)) => rest = r,
                Some(_) => return None,
            }
        }
    }
}

/// A decimal integer (an optional `-`, then up to 18 digits) at the start
/// of `b`, and what follows it.
fn int(b: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 18 {
        return None;
    }
    let value = digits[..n].iter().fold(0i64, |v, c| v * 10 + i64::from(c - b'0'));
    Some((if negative { -value } else { value }, &digits[n..]))
}

/// Appends the steps of `path` of deal `deal` to `out`; `None` (and nothing
/// appended) when it does not read.
pub fn steps(deal: i64, path: &str, out: &mut Vec<MoveFact>) -> Option<()> {
    out.extend(Path::read(path.as_bytes()).of(deal).ok()?);
    Some(())
}

impl FromSql<Text, Sqlite> for Path {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        // read in place, no String per row: `read_text` hands out SQLite's
        // own buffer, where diesel (2.3.14) copies a text read as a blob
        // (`sqlite3_value_dup`: two allocations and two frees a row)
        Ok(Path::read(value.read_text().as_bytes()))
    }
}

impl FromSql<Text, Pg> for Path {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Path::read(value.as_bytes()))
    }
}

impl FromSql<Text, MultiBackend> for Path {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Text>()
    }
}
