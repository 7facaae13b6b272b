//! Loads the facts reports are computed from, in the caller's scope and with
//! the report filters applied inside the query; the figures themselves are
//! computed by `domain::reports`.

use diesel::prelude::*;

use crate::schema::users;
use crate::{DbConn, RepoError, departments};

/// Ids per query, well under SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 10_000;

pub mod activity_counts;
pub mod customer_analysis;
pub mod forecast;
pub mod funnel;
pub mod histories;
pub mod kpi;
pub mod rankings;
pub mod stage_path;
pub mod workbench;

pub use funnel::{FunnelAnswer, FunnelError, FunnelQuery, Reading, funnel, funnel_with};

/// What a [`wide_sum`] splits each value at.
const SPLIT: i128 = 1_000_000_000;

/// `SUM(expr)` of amounts, exact at any size: SQLite's `SUM` of integers
/// fails past `i64::MAX` ("integer overflow") and PostgreSQL's `CAST(SUM(..)
/// AS BIGINT)` does too ("bigint out of range"), so a few deals of the
/// largest amount turned every report that summed them into a 500. The sum
/// is taken of each value's billions and of the rest apart (neither can
/// overflow below 9 x 10^9 rows of `MAX_AMOUNT`), as text `billions:rest`;
/// [`wide`] puts them together. Read as `Nullable<Text>`.
pub(crate) fn wide_sum(
    expr: &str,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::Text>> {
    diesel::dsl::sql(&format!(
        "CAST(SUM(({expr}) / {SPLIT}) AS TEXT) || ':' || CAST(SUM(({expr}) % {SPLIT}) AS TEXT)"
    ))
}

/// The value of a [`wide_sum`]: zero over no rows, held at `i64`'s bounds.
pub(crate) fn wide(sum: Option<String>) -> i64 {
    let parts = sum.as_deref().and_then(|s| s.split_once(':'));
    let Some((billions, rest)) = parts else { return 0 };
    // PostgreSQL writes a NUMERIC sum without a fraction; never one with
    let whole = |t: &str| t.split('.').next().unwrap_or(t).parse::<i128>().unwrap_or(0);
    let total = whole(billions).saturating_mul(SPLIT).saturating_add(whole(rest));
    domain::money::saturate(total)
}

/// Who and what a report covers, beyond the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Records owned by this user.
    pub owner_id: Option<i64>,
    /// Records owned by users of this department and its subtree.
    pub department_id: Option<i64>,
    /// Customer attributes.
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
}

/// Users of `department` and its subtree.
pub(crate) fn members(conn: &mut DbConn, department: i64) -> Result<Vec<i64>, RepoError> {
    let tree = departments::parent_map(conn)?;
    let depts = domain::org::subtree(&tree, department);
    Ok(users::table
        .filter(users::department_id.eq_any(depts))
        .select(users::id)
        .load(conn)?)
}

/// Narrows `$q`, a boxed query whose FROM holds `opportunities` (alone or
/// joined), to the report filter's owners; `?` returns a `RepoError`. A
/// macro so one text serves every query shape.
macro_rules! deal_owner_filter {
    ($conn:expr, $q:expr, $f:expr) => {{
        use $crate::schema::opportunities as fo;
        let (mut q, f) = ($q, $f);
        if let Some(owner) = f.owner_id {
            q = q.filter(fo::owner_id.eq(owner));
        }
        if let Some(d) = f.department_id {
            q = q.filter(fo::owner_id.eq_any($crate::reports::members($conn, d)?));
        }
        q
    }};
}

/// Narrows `$q` to the filter's owners and, through a subquery, the
/// customer attributes (for queries that do not join `customers`).
macro_rules! deal_filter {
    ($conn:expr, $q:expr, $f:expr) => {{
        use $crate::schema::{customers as fc, opportunities as fo};
        let f = $f;
        let mut q = $crate::reports::deal_owner_filter!($conn, $q, f);
        if let Some(v) = &f.region {
            q = q.filter(fo::customer_id.eq_any(fc::table.filter(fc::region.eq(v.clone())).select(fc::id)));
        }
        if let Some(v) = &f.industry {
            q = q.filter(fo::customer_id.eq_any(fc::table.filter(fc::industry.eq(v.clone())).select(fc::id)));
        }
        if let Some(v) = &f.source {
            q = q.filter(fo::customer_id.eq_any(fc::table.filter(fc::source.eq(v.clone())).select(fc::id)));
        }
        q
    }};
}

pub(crate) use deal_filter;
pub(crate) use deal_owner_filter;
