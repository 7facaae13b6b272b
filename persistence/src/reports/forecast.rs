//! The facts of a forecast: open deals in scope with their stage's
//! probability and their customer's grade, and their product lines.

use diesel::prelude::*;
use domain::reports::forecast::{DealLine, OpenDeal};
use domain::scope::DataScope;
use domain::vocabulary::DealStatus;

use super::{ReportFilter, filter_deals};
use crate::opportunities;
use crate::schema::{customers, line_items, opportunities as deals, products, stages};
use crate::{DbConn, RepoError};

const CHUNK: usize = 10_000;

/// What a forecast is computed from.
#[derive(Debug, Clone, Default)]
pub struct ForecastFacts {
    pub deals: Vec<OpenDeal>,
    pub lines: Vec<DealLine>,
    /// Names of the products on the lines.
    pub product_names: Vec<(i64, String)>,
}

type Row = (i64, Option<i64>, String, i32, Option<chrono::NaiveDate>, String);

/// Open deals the caller may see with `filter`, in `currency` (deals in
/// another currency count with no amount), their lines, and the names of
/// the products on them.
pub fn forecast_facts(
    conn: &mut DbConn,
    scope: &DataScope,
    filter: &ReportFilter,
    currency: &str,
) -> Result<ForecastFacts, RepoError> {
    let q = opportunities::scoped(
        deals::table
            .filter(deals::status.eq(DealStatus::Open.as_str()))
            .into_boxed(),
        scope,
    );
    let ids: Vec<i64> = filter_deals(conn, q, filter)?.select(deals::id).load(conn)?;
    let mut open = Vec::with_capacity(ids.len());
    let mut lines = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<Row> = deals::table
            .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
            .inner_join(customers::table.on(customers::id.eq(deals::customer_id)))
            .filter(deals::id.eq_any(chunk))
            .select((
                deals::id,
                deals::amount,
                deals::currency,
                stages::probability,
                deals::expected_close_date,
                customers::grade,
            ))
            .load(conn)?;
        open.extend(
            rows.into_iter()
                .map(|(id, amount, c, probability, close, grade)| OpenDeal {
                    id,
                    amount: amount.filter(|_| c.trim().eq_ignore_ascii_case(currency)),
                    probability,
                    expected_close: close,
                    grade,
                }),
        );
        let ls: Vec<(Option<i64>, i64, i64)> = line_items::table
            .filter(line_items::opportunity_id.eq_any(chunk))
            .select((line_items::opportunity_id, line_items::product_id, line_items::total))
            .load(conn)?;
        lines.extend(ls.into_iter().filter_map(|(deal, product_id, total)| {
            deal.map(|deal_id| DealLine {
                deal_id,
                product_id,
                total,
            })
        }));
    }
    let mut product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let product_names = products::table
        .filter(products::id.eq_any(product_ids))
        .select((products::id, products::name))
        .load(conn)?;
    Ok(ForecastFacts {
        deals: open,
        lines,
        product_names,
    })
}
