//! The facts of a forecast: the open deals in scope summed in SQL by
//! expected close date and customer grade (amount, and amount x the stage's
//! probability rounded down per deal), and their product lines likewise, so
//! the server never loads every deal.

use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::reports::forecast::{DealGroup, LineGroup};
use domain::scope::DataScope;
use domain::targets::plan::Holder;
use domain::vocabulary::{DealStatus, Metric};

use super::{ReportFilter, deal_filter};
use crate::conn::MultiBackend;
use crate::opportunities::deal_scope;
use crate::schema::{line_items, opportunities as deals, products, stages};
use crate::scope::Reach;
use crate::{DbConn, RepoError};

/// What a forecast is computed from.
#[derive(Debug, Clone, Default)]
pub struct ForecastFacts {
    pub deals: Vec<DealGroup>,
    pub lines: Vec<LineGroup>,
    /// Names of the products on the lines.
    pub product_names: Vec<(i64, String)>,
}

type DealSums = (Option<NaiveDate>, String, String, i64, Option<String>, Option<String>);
type LineSums = (i64, Option<NaiveDate>, String, i64, Option<String>, Option<String>);

/// Open deals the caller may see with `filter`, in `currency` (deals in
/// another currency count with no amount), and their lines, summed. The
/// deals' sums come from one index alone: each deal keeps its customer's
/// grade (migration 037), so no customer is looked up unless the filter
/// names a customer attribute.
pub fn forecast_facts(
    conn: &mut DbConn,
    by: &impl Reach,
    filter: &ReportFilter,
    currency: &str,
) -> Result<ForecastFacts, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let same = |c: &str| domain::reports::same_currency(c, currency);
    let q = deals::table
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .group_by((deals::expected_close_date, deals::customer_grade, deals::currency))
        .select((
            deals::expected_close_date,
            deals::customer_grade,
            deals::currency,
            count_star(),
            super::wide_sum("opportunities.amount"),
            super::wide_sum("opportunities.amount * stages.probability / 100"),
        ))
        .into_boxed::<MultiBackend>();
    let sums: Vec<DealSums> = deal_filter!(conn, deal_scope!(q, scope), filter).load(conn)?;
    let mut out = ForecastFacts {
        deals: sums
            .into_iter()
            .map(|(close, grade, c, n, amount, weighted)| DealGroup {
                expected_close: close,
                grade,
                count: u64::try_from(n).unwrap_or(0),
                amount: if same(&c) { super::wide(amount) } else { 0 },
                weighted: if same(&c) { super::wide(weighted) } else { 0 },
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
            super::wide_sum("line_items.total"),
            super::wide_sum("line_items.total * stages.probability / 100"),
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
            total: super::wide(total),
            weighted: super::wide(weighted),
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

/// Whose targets the forecast of `by` is set against (its filter's rep or
/// department, else the caller's own reach:
/// `domain::targets::plan::forecast_holder`), and their contract-amount
/// progress in `year` when `by` may see it.
pub fn target_of(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    owner: Option<i64>,
    department: Option<i64>,
    year: i32,
) -> Result<(Holder, Option<crate::targets::Progress>), RepoError> {
    let scope = by.scope(conn)?;
    let holder = domain::targets::plan::forecast_holder(owner, department, &scope, by.user_id, by.department_id);
    let progress = crate::targets::progress_within(conn, &scope, by.user_id, year, Metric::ContractAmount, holder)?;
    Ok((holder, progress))
}
