//! The facts of a forecast: the open deals in scope summed in SQL by
//! expected close date and customer grade (amount, and amount x the stage's
//! probability rounded down per deal), and their product lines likewise, so
//! the server never loads every deal.

use chrono::NaiveDate;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable};
use domain::reports::forecast::{DealGroup, LineGroup};
use domain::scope::DataScope;
use domain::vocabulary::DealStatus;

use super::{ReportFilter, deal_filter, deal_owner_filter};
use crate::db::MultiBackend;
use crate::opportunities::deal_scope;
use crate::schema::{customers, line_items, opportunities as deals, products, stages};
use crate::{DbConn, RepoError};

/// What a forecast is computed from.
#[derive(Debug, Clone, Default)]
pub struct ForecastFacts {
    pub deals: Vec<DealGroup>,
    pub lines: Vec<LineGroup>,
    /// Names of the products on the lines.
    pub product_names: Vec<(i64, String)>,
}

type DealSums = (Option<NaiveDate>, String, String, i64, Option<i64>, Option<i64>);
type LineSums = (i64, Option<NaiveDate>, String, i64, Option<i64>, Option<i64>);

/// Open deals the caller may see with `filter`, in `currency` (deals in
/// another currency count with no amount), and their lines, summed. With a
/// `helper` connection on SQLite, the deals of half of the customers are
/// summed on it, on another thread: SQLite looks up each deal's customer
/// (its grade) in the table, and over a million deals those lookups were
/// most of the time. PostgreSQL hashes the customers for the join instead,
/// and each half would hash all of them again (the whole-company forecast
/// over 1M deals: 783 ms with halves, 393 ms without).
pub fn forecast_facts(
    conn: &mut DbConn,
    helper: Option<&mut DbConn>,
    scope: &DataScope,
    filter: &ReportFilter,
    currency: &str,
) -> Result<ForecastFacts, RepoError> {
    let same = |c: &str| domain::reports::same_currency(c, currency);
    let sums: Vec<DealSums> = match helper {
        Some(other) if matches!(conn, DbConn::Sqlite(_)) => {
            let (theirs, mine) = std::thread::scope(|s| {
                let theirs = s.spawn(|| deal_sums(other, scope, filter, Some(0)));
                let mine = deal_sums(conn, scope, filter, Some(1));
                (
                    theirs.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    mine,
                )
            });
            let mut sums = theirs?;
            sums.extend(mine?);
            sums
        }
        _ => deal_sums(conn, scope, filter, None)?,
    };
    let mut out = ForecastFacts {
        deals: sums
            .into_iter()
            .map(|(close, grade, c, n, amount, weighted)| DealGroup {
                expected_close: close,
                grade,
                count: u64::try_from(n).unwrap_or(0),
                amount: if same(&c) { amount.unwrap_or(0) } else { 0 },
                weighted: if same(&c) { weighted.unwrap_or(0) } else { 0 },
            })
            .collect(),
        ..ForecastFacts::default()
    };
    let q = line_items::table
        .inner_join(deals::table.on(deals::id.nullable().eq(line_items::opportunity_id)))
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .group_by((line_items::product_id, deals::expected_close_date, deals::currency))
        .select((
            line_items::product_id,
            deals::expected_close_date,
            deals::currency,
            count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(line_items.total) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(line_items.total * stages.probability / 100) AS BIGINT)"),
        ))
        .into_boxed::<MultiBackend>();
    let lines: Vec<LineSums> = deal_filter!(conn, deal_scope!(q, scope), filter).load(conn)?;
    out.lines = lines
        .into_iter()
        .filter(|(_, _, c, ..)| same(c))
        .map(|(product_id, close, _, n, total, weighted)| LineGroup {
            product_id,
            expected_close: close,
            count: u64::try_from(n).unwrap_or(0),
            total: total.unwrap_or(0),
            weighted: weighted.unwrap_or(0),
        })
        .collect();
    let mut ids: Vec<i64> = out.lines.iter().map(|l| l.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    out.product_names = products::table
        .filter(products::id.eq_any(ids))
        .select((products::id, products::name))
        .load(conn)?;
    Ok(out)
}

/// The open deals summed by expected close date, customer grade and
/// currency; with `parity`, only the deals of customers whose id has it
/// (odd 1, even 0).
fn deal_sums(
    conn: &mut DbConn,
    scope: &DataScope,
    filter: &ReportFilter,
    parity: Option<i64>,
) -> Result<Vec<DealSums>, RepoError> {
    let q = deals::table
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .inner_join(customers::table.on(customers::id.eq(deals::customer_id)))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .group_by((deals::expected_close_date, customers::grade, deals::currency))
        .select((
            deals::expected_close_date,
            customers::grade,
            deals::currency,
            count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(opportunities.amount) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(opportunities.amount * stages.probability / 100) AS BIGINT)"),
        ))
        .into_boxed::<MultiBackend>();
    let mut q = deal_owner_filter!(conn, deal_scope!(q, scope), filter);
    // customers is joined: its attributes are filtered on directly
    if let Some(v) = &filter.region {
        q = q.filter(customers::region.eq(v.clone()));
    }
    if let Some(v) = &filter.industry {
        q = q.filter(customers::industry.eq(v.clone()));
    }
    if let Some(v) = &filter.source {
        q = q.filter(customers::source.eq(v.clone()));
    }
    if let Some(p) = parity {
        q = q.filter(sql::<Bool>("opportunities.customer_id % 2 = ").bind::<BigInt, _>(p));
    }
    Ok(q.load(conn)?)
}
