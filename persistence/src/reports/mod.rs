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
