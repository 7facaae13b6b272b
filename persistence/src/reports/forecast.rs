//! The facts of a forecast: the open deals in scope summed in SQL by
//! expected close date and customer grade (amount, and amount x the stage's
//! probability rounded down per deal), and their product lines likewise, so
//! the server never loads every deal.

use chrono::NaiveDate;
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::reports::forecast::{Bucket, DealGroup, LineGroup};
use domain::scope::DataScope;
use domain::targets::plan::Holder;
use domain::vocabulary::{DealStatus, ForecastCategory, Metric};

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

type Sums = (i64, Option<String>, Option<String>, Option<String>);
type DealSums = (Option<NaiveDate>, String, Option<String>, String, Sums);
type LineSums = (i64, Option<NaiveDate>, Option<String>, String, Sums);

/// amount x the rep's probability, else the stage's (`domain::pipeline::judgement::probability_of`).
const REP_WEIGHTED: &str = "COALESCE(opportunities.rep_probability, stages.probability) / 100";

fn bucket((count, amount, weighted, rep_weighted): Sums) -> Bucket {
    Bucket {
        count: u64::try_from(count).unwrap_or(0),
        amount: super::wide(amount),
        weighted: super::wide(weighted),
        rep_weighted: super::wide(rep_weighted),
    }
}

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
        .group_by((
            deals::expected_close_date,
            deals::customer_grade,
            deals::forecast_category,
            deals::currency,
        ))
        .select((
            deals::expected_close_date,
            deals::customer_grade,
            deals::forecast_category,
            deals::currency,
            (
                count_star(),
                super::wide_sum("opportunities.amount"),
                super::wide_sum("opportunities.amount * stages.probability / 100"),
                super::wide_sum(&format!("opportunities.amount * {REP_WEIGHTED}")),
            ),
        ))
        .into_boxed::<MultiBackend>();
    let sums: Vec<DealSums> = deal_filter!(conn, deal_scope!(q, scope), filter).load(conn)?;
    let mut out = ForecastFacts {
        deals: sums
            .into_iter()
            .map(|(close, grade, category, c, sums)| {
                let b = bucket(sums);
                Ok(DealGroup {
                    expected_close: close,
                    grade,
                    category: stored_category(category.as_deref())?,
                    sums: if same(&c) {
                        b
                    } else {
                        Bucket {
                            count: b.count,
                            ..Bucket::default()
                        }
                    },
                })
            })
            .collect::<Result<_, RepoError>>()?,
        ..ForecastFacts::default()
    };
    let q = line_items::table
        .inner_join(deals::table.on(deals::id.nullable().eq(line_items::opportunity_id)))
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .group_by((
            line_items::product_id,
            deals::expected_close_date,
            deals::forecast_category,
            deals::currency,
        ))
        .select((
            line_items::product_id,
            deals::expected_close_date,
            deals::forecast_category,
            deals::currency,
            (
                count_star(),
                super::wide_sum("line_items.total"),
                super::wide_sum("line_items.total * stages.probability / 100"),
                super::wide_sum(&format!("line_items.total * {REP_WEIGHTED}")),
            ),
        ))
        .into_boxed::<MultiBackend>();
    let lines: Vec<LineSums> = deal_filter!(conn, deal_scope!(q, scope), filter).load(conn)?;
    out.lines = lines
        .into_iter()
        .filter(|(_, _, _, c, _)| same(c))
        .map(|(product_id, close, category, _, sums)| LineGroup {
            product_id,
            expected_close: close,
            omitted: category.as_deref() == Some(ForecastCategory::Omitted.as_str()),
            sums: bucket(sums),
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

/// A deal's category as stored (`None`: the default, pipeline).
fn stored_category(c: Option<&str>) -> Result<ForecastCategory, RepoError> {
    c.map_or(Ok(ForecastCategory::Pipeline), |c| {
        c.parse()
            .map_err(|e: domain::vocabulary::UnknownWord| RepoError::Corrupt(e.to_string()))
    })
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
