//! The look-alike name index: the character bigrams of each customer's name
//! key (`domain::similar`), written with the customer, read by the duplicate
//! check and the create warning. Two statements per look-up whatever the
//! number of customers: count the probe's grams (each count stops just past
//! "common"), then load the customers sharing the most of the rare ones.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use domain::similar::{self, CANDIDATES, COMMON_GRAM};

use crate::customers::{CANDIDATE, Candidate, to_candidates};
use crate::schema::{customer_name_grams, customers, settings};
use crate::{DbConn, RepoError, write_tx};

/// Rows per multi-row INSERT of grams.
const INSERT_CHUNK: usize = 500;
/// Customers read per step when the index is first built.
const BUILD_CHUNK: i64 = 5_000;
/// The setting that records the index was built for existing customers.
const BUILT: &str = "name_grams_built";

/// Replaces the indexed grams of one customer (after a create or a rename).
pub fn index(conn: &mut DbConn, customer_id: i64, name_key: &str) -> Result<(), RepoError> {
    diesel::delete(customer_name_grams::table.filter(customer_name_grams::customer_id.eq(customer_id)))
        .execute(conn)?;
    insert_grams(conn, &[(customer_id, name_key)])
}

fn insert_grams(conn: &mut DbConn, keys: &[(i64, &str)]) -> Result<(), RepoError> {
    let rows: Vec<_> = keys
        .iter()
        .flat_map(|(id, key)| {
            similar::name_grams(key).into_iter().map(move |g| {
                (
                    customer_name_grams::gram.eq(g),
                    customer_name_grams::customer_id.eq(*id),
                )
            })
        })
        .collect();
    // a multi-row INSERT needs the concrete connection (STYLE.md: hot paths)
    for chunk in rows.chunks(INSERT_CHUNK) {
        match conn {
            DbConn::Pg(c) => diesel::insert_into(customer_name_grams::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(customer_name_grams::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Indexes every existing customer once (the first start after the upgrade
/// that brought the index). Several nodes starting at once: the first to
/// record the setting builds it, the others find it recorded.
pub fn build_if_needed(conn: &mut DbConn) -> Result<usize, RepoError> {
    let built = write_tx(conn, |conn| {
        diesel::insert_into(settings::table)
            .values((settings::name.eq(BUILT), settings::value.eq("1")))
            .execute(conn)?;
        let mut after = 0i64;
        let mut total = 0usize;
        loop {
            let batch: Vec<(i64, String)> = customers::table
                .filter(customers::id.gt(after))
                .order(customers::id.asc())
                .select((customers::id, customers::name_key))
                .limit(BUILD_CHUNK)
                .load(conn)?;
            let Some(last) = batch.last().map(|(id, _)| *id) else {
                break;
            };
            let keys: Vec<(i64, &str)> = batch.iter().map(|(id, k)| (*id, k.as_str())).collect();
            insert_grams(conn, &keys)?;
            total += batch.len();
            after = last;
        }
        Ok(total)
    });
    match built {
        Err(RepoError::Conflict { .. }) => Ok(0),
        Ok(n) if n > 0 && matches!(conn, DbConn::Pg(_)) => {
            // the planner would otherwise judge the new index by an empty table
            diesel::sql_query("ANALYZE customer_name_grams").execute(conn)?;
            Ok(n)
        }
        other => other,
    }
}

#[derive(QueryableByName)]
struct GramCount {
    #[diesel(sql_type = Text)]
    gram: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many customers hold each gram, in one statement with one parameter
/// (the grams as a JSON array); each count stops at `COMMON_GRAM + 1`, so a
/// common gram costs a bounded index range.
fn gram_counts(conn: &mut DbConn, grams: &[String]) -> Result<Vec<(String, i64)>, RepoError> {
    if grams.is_empty() {
        return Ok(Vec::new());
    }
    let cap = COMMON_GRAM + 1;
    let sql = match conn {
        DbConn::Pg(_) => format!(
            "SELECT p.gram, (SELECT COUNT(*) FROM (SELECT 1 FROM customer_name_grams g \
             WHERE g.gram = p.gram LIMIT {cap}) t) AS n \
             FROM json_array_elements_text(CAST($1 AS JSON)) AS p(gram)"
        ),
        DbConn::Sqlite(_) => format!(
            "SELECT p.value AS gram, (SELECT COUNT(*) FROM (SELECT 1 FROM customer_name_grams g \
             WHERE g.gram = p.value LIMIT {cap})) AS n FROM json_each(?) AS p"
        ),
    };
    let counts = diesel::sql_query(sql)
        .bind::<Text, _>(json_array(grams))
        .load::<GramCount>(conn)?;
    Ok(counts.into_iter().map(|c| (c.gram, c.n)).collect())
}

/// Live customers whose names may look like `name_key`: those sharing the
/// most of its rare grams (two statements), or, when all its grams are
/// common, those whose key starts or ends like it.
pub fn similar_candidates(conn: &mut DbConn, name_key: &str) -> Result<Vec<Candidate>, RepoError> {
    let counts = gram_counts(conn, &similar::grams_to_count(name_key))?;
    let probe = similar::probe_grams(&counts);
    if probe.is_empty() {
        return by_prefix_or_suffix(conn, name_key);
    }
    let best = customer_name_grams::table
        .filter(customer_name_grams::gram.eq_any(probe))
        .group_by(customer_name_grams::customer_id)
        .select(customer_name_grams::customer_id)
        .order((diesel::dsl::count_star().desc(), customer_name_grams::customer_id.asc()))
        .limit(CANDIDATES);
    let rows = customers::table
        .filter(customers::id.eq_any(best))
        .filter(customers::deleted_at.is_null())
        .select(CANDIDATE)
        .load(conn)?;
    Ok(to_candidates(rows))
}

/// A JSON array of strings.
pub fn json_array(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in item.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

/// Keys starting or ending with the same two characters (index prefix scans
/// on the key and on the reversed key): the fallback for a key made only of
/// common grams.
fn by_prefix_or_suffix(conn: &mut DbConn, name_key: &str) -> Result<Vec<Candidate>, RepoError> {
    let head: String = name_key.chars().take(2).collect();
    let tail: String = name_key.chars().rev().take(2).collect();
    if head.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let prefix = |p: &str| format!("{}%", crate::like_pattern(p).trim_matches('%'));
    let rows = customers::table
        .filter(customers::deleted_at.is_null())
        .filter(
            customers::name_key
                .like(prefix(&head))
                .escape('\\')
                .or(customers::name_key_rev.like(prefix(&tail)).escape('\\')),
        )
        .select(CANDIDATE)
        .limit(CANDIDATES)
        .load(conn)?;
    Ok(to_candidates(rows))
}
