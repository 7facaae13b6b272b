//! The look-alike name index: the character bigrams of each customer's name
//! key (`domain::similar`), written with the customer, read by the duplicate
//! check and the create warning. Two statements per look-up whatever the
//! number of customers: count the probe's grams (each count stops just past
//! "common"), then load the customers sharing the most of the rare ones.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use domain::similar::{self, CANDIDATES, COMMON_GRAM};

use super::{CANDIDATE, Candidate, to_candidates};
use crate::conn::direct;
use crate::schema::{customer_name_grams, customers, settings};
use crate::{DbConn, RepoError, write_tx};

/// Rows per multi-row INSERT of grams.
const INSERT_CHUNK: usize = 500;
/// Customers read per step when the index is first built.
const BUILD_CHUNK: i64 = 5_000;
/// The setting that records the index was built for existing customers.
const BUILT: &str = "name_grams_built";

/// How long a gram found common is taken as common without counting it.
const REMEMBER: Duration = Duration::from_secs(300);
/// Grams remembered at most (a few MB); past it, what is known is forgotten.
const MAX_KNOWN: usize = 100_000;

/// The grams of one database known to be common (held by more than
/// `COMMON_GRAM` customers), so a look-up counts only the others: counting
/// the common ones (北京, 科技, 公司) was most of the counting statement's
/// work, each one `COMMON_GRAM + 1` index entries. Kept with the pool
/// (`Db::shared`), not process-wide: one process may serve several
/// databases. A gram becomes common as customers are added and stays so; a
/// delete or merge can make one rare again, so what is known is forgotten
/// every `REMEMBER`. Until then such a gram is only left out of the probes,
/// as a common gram is.
#[derive(Debug, Default)]
pub struct CommonGrams(Mutex<Known>);

#[derive(Debug, Default)]
struct Known {
    since: Option<Instant>,
    grams: HashSet<String>,
}

impl CommonGrams {
    /// `grams` less those known to be common.
    fn unknown(&self, grams: Vec<String>) -> Vec<String> {
        let Ok(mut known) = self.0.lock() else {
            return grams;
        };
        if known.since.is_some_and(|t| t.elapsed() >= REMEMBER) {
            *known = Known::default();
        }
        if known.grams.is_empty() {
            return grams;
        }
        grams.into_iter().filter(|g| !known.grams.contains(g)).collect()
    }

    /// How many grams are known to be common.
    pub fn known(&self) -> usize {
        self.0.lock().map_or(0, |k| k.grams.len())
    }

    /// Remembers the grams `counts` found common.
    fn learn(&self, counts: &[(String, i64)]) {
        let mut common = counts.iter().filter(|(_, n)| *n > COMMON_GRAM).peekable();
        if common.peek().is_none() {
            return;
        }
        let Ok(mut known) = self.0.lock() else {
            return;
        };
        if known.grams.len() >= MAX_KNOWN {
            *known = Known::default();
        }
        known.since.get_or_insert_with(Instant::now);
        known.grams.extend(common.map(|(g, _)| g.clone()));
    }
}

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
    let json = json_array(grams);
    let counts: Vec<GramCount> = direct!(conn, |c| diesel::sql_query(sql).bind::<Text, _>(json).load(c))?;
    Ok(counts.into_iter().map(|c| (c.gram, c.n)).collect())
}

/// Live customers whose names may look like `name_key`: those sharing the
/// most of its rare grams (two statements), or, when all its grams are
/// common, those whose key starts or ends like it. `common` saves counting
/// the grams already known to be common.
pub fn similar_candidates(
    conn: &mut DbConn,
    name_key: &str,
    common: &CommonGrams,
) -> Result<Vec<Candidate>, RepoError> {
    // the grams known to be common would never be probes: not counted
    let counts = gram_counts(conn, &common.unknown(similar::grams_to_count(name_key)))?;
    common.learn(&counts);
    let probe = similar::probe_grams(&counts);
    if probe.is_empty() {
        return by_prefix_or_suffix(conn, name_key);
    }
    // one cached statement whatever the number of probe grams
    let grams = crate::among::among(customer_name_grams::gram, &probe);
    let rows = direct!(conn, |c| customers::table
        .filter(
            customers::id.eq_any(
                customer_name_grams::table
                    .filter(grams)
                    .group_by(customer_name_grams::customer_id)
                    .select(customer_name_grams::customer_id)
                    .order((diesel::dsl::count_star().desc(), customer_name_grams::customer_id.asc()))
                    .limit(CANDIDATES)
            )
        )
        .filter(customers::deleted_at.is_null())
        .select(CANDIDATE)
        .load(c))?;
    Ok(to_candidates(rows))
}

/// A JSON array of strings.
pub fn json_array(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::among::push_json_string(&mut out, item);
    }
    out.push(']');
    out
}

/// A candidate read by [`by_prefix_or_suffix`]'s SQL.
#[derive(QueryableByName)]
struct Neighbour {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    name_key: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    owner_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    credit_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    phone_key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email_key: Option<String>,
}

/// The fallback for a key made only of common grams: the live keys nearest
/// to it in sort order among those starting with its first two characters,
/// and the same on the reversed key for its last two (sorted-neighbourhood
/// blocking; a near twin sorts next to the name it resembles):
/// `CANDIDATES / 4` on each side of each, as many in all as the gram
/// look-up scores.
///
/// Index range seeks, the index named on SQLite: `LIKE 'xy%'` could use no
/// index on either backend, and SQLite without statistics (nothing runs
/// `ANALYZE` on an install) plans `deleted_at IS NULL` on
/// `customers_deleted`, a walk of every live customer. The `LIKE` scan this
/// replaces read customers in id order until 50 matched: 12-21 ms a create
/// once every match was among the newest of 116,000 customers.
fn by_prefix_or_suffix(conn: &mut DbConn, name_key: &str) -> Result<Vec<Candidate>, RepoError> {
    let head: String = name_key.chars().take(2).collect();
    let tail: String = name_key.chars().rev().take(2).collect();
    if head.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let reversed: String = name_key.chars().rev().collect();
    // no character follows the prefix's last one: past any stored key
    let end = |prefix: &str| {
        similar::prefix_range(prefix)
            .1
            .unwrap_or_else(|| char::MAX.to_string().repeat(3))
    };
    let side = CANDIDATES / 4;
    let sql = neighbours_sql(matches!(conn, DbConn::Sqlite(_)), side);
    let rows: Vec<Neighbour> = direct!(conn, |c| diesel::sql_query(sql)
        .bind::<Text, _>(name_key)
        .bind::<Text, _>(end(&head))
        .bind::<Text, _>(&head)
        .bind::<Text, _>(&reversed)
        .bind::<Text, _>(end(&tail))
        .bind::<Text, _>(&tail)
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|n| Candidate {
            id: n.id,
            name: n.name,
            name_key: n.name_key,
            owner_id: n.owner_id,
            credit_code: n.credit_code,
            phone_key: n.phone_key,
            email_key: n.email_key,
        })
        .collect())
}

/// Four index range reads in one statement. Parameters: the key, the end
/// and start of its prefix range, the reversed key, the end and start of its
/// range.
fn neighbours_sql(sqlite: bool, side: i64) -> String {
    let cols = "id, name, name_key, owner_id, credit_code, phone_key, email_key";
    let (p, by_key, by_rev) = if sqlite {
        (
            ["?1", "?2", "?3", "?4", "?5", "?6"],
            "customers INDEXED BY customers_name_key_live",
            "customers INDEXED BY customers_name_key_rev",
        )
    } else {
        (["$1", "$2", "$3", "$4", "$5", "$6"], "customers", "customers")
    };
    let part = |table: &str, column: &str, cmp: &str, from: &str, bound: &str, order: &str| {
        format!(
            "SELECT * FROM (SELECT {cols} FROM {table} WHERE deleted_at IS NULL AND {column} {cmp} {from} \
             AND {column} {bound} ORDER BY {column} {order} LIMIT {side}) AS n"
        )
    };
    [
        part(by_key, "name_key", ">=", p[0], &format!("< {}", p[1]), "ASC"),
        part(by_key, "name_key", "<", p[0], &format!(">= {}", p[2]), "DESC"),
        part(by_rev, "name_key_rev", ">=", p[3], &format!("< {}", p[4]), "ASC"),
        part(by_rev, "name_key_rev", "<", p[3], &format!(">= {}", p[5]), "DESC"),
    ]
    .join(" UNION ALL ")
}
