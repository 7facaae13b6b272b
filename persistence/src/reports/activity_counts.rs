//! How many live activities each author logged of each kind in a period:
//! the whole UTC days from `activity_days` (kept by triggers on
//! `activities`; see its migration), the partial days at the period's
//! edges from `activities` itself ([`domain::calendar::utc_days`]). A year
//! of 50 reps sums about 18,000 kept rows instead of counting millions of
//! activities.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use domain::calendar::utc_days;

use crate::conn::MultiBackend;
use crate::schema::{activities, activity_days};
use crate::{DbConn, RepoError, naive};

/// Activities per (author, kind).
pub type Counts = HashMap<(i64, String), i64>;

/// The live activities of `authors` in `[from, to)`, per author and kind,
/// of the `kinds` given (`None`: every kind).
pub fn counts(
    conn: &mut DbConn,
    authors: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    kinds: Option<&[&str]>,
) -> Result<Counts, RepoError> {
    let cut = utc_days(from, to);
    let mut out = Counts::new();
    if let Some((first, end)) = cut.days {
        let q = activity_days::table
            .filter(activity_days::created_by.eq_any(authors))
            .filter(activity_days::day.ge(first))
            .filter(activity_days::day.lt(end))
            .group_by((activity_days::created_by, activity_days::kind))
            .select((
                activity_days::created_by,
                activity_days::kind,
                sql::<BigInt>("CAST(SUM(activity_days.n) AS BIGINT)"),
            ))
            .into_boxed::<MultiBackend>();
        let q = match kinds {
            Some(k) => q.filter(activity_days::kind.eq_any(k.to_vec())),
            None => q,
        };
        for (author, kind, n) in q.load::<(i64, String, i64)>(conn)? {
            *out.entry((author, kind)).or_default() += n;
        }
    }
    for (a, b) in cut.edges.into_iter().flatten() {
        for (key, n) in recount(conn, authors, (a, b), kinds)? {
            *out.entry(key).or_default() += n;
        }
    }
    out.retain(|_, n| *n != 0);
    Ok(out)
}

/// [`counts`] read from `activities` alone: the edges of a period, and the
/// tests' oracle for the kept counts.
pub fn recount(
    conn: &mut DbConn,
    authors: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    kinds: Option<&[&str]>,
) -> Result<Counts, RepoError> {
    let q = activities::table
        .filter(activities::created_by.eq_any(authors))
        .filter(activities::deleted_at.is_null())
        .filter(activities::occurred_at.ge(naive(from)))
        .filter(activities::occurred_at.lt(naive(to)))
        .group_by((activities::created_by, activities::kind))
        .select((activities::created_by, activities::kind, count_star()))
        .into_boxed::<MultiBackend>();
    let q = match kinds {
        Some(k) => q.filter(activities::kind.eq_any(k.to_vec())),
        None => q,
    };
    Ok(q.load::<(Option<i64>, String, i64)>(conn)?
        .into_iter()
        .filter_map(|(author, kind, n)| author.map(|a| ((a, kind), n)))
        .collect())
}
