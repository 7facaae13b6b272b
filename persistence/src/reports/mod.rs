//! Loads the facts reports are computed from, in the caller's scope and with
//! the report filters applied inside the query; the figures themselves are
//! computed by `domain::reports`.

use diesel::prelude::*;

use crate::db::MultiBackend;
use crate::schema::{customers, opportunities, users};
use crate::{DbConn, RepoError, departments};

pub mod customer_analysis;
pub mod forecast;
pub mod funnel;
pub mod kpi;
pub mod rankings;
pub mod workbench;

pub use funnel::{FunnelError, funnel_facts};

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
fn members(conn: &mut DbConn, department: i64) -> Result<Vec<i64>, RepoError> {
    let tree = departments::parent_map(conn)?;
    let depts = domain::org::subtree(&tree, department);
    Ok(users::table
        .filter(users::department_id.eq_any(depts))
        .select(users::id)
        .load(conn)?)
}

type Deals<'a> = opportunities::BoxedQuery<'a, MultiBackend>;

/// `q` narrowed to the filter's owners and customer attributes.
fn filter_deals<'a>(conn: &mut DbConn, mut q: Deals<'a>, f: &ReportFilter) -> Result<Deals<'a>, RepoError> {
    if let Some(owner) = f.owner_id {
        q = q.filter(opportunities::owner_id.eq(owner));
    }
    if let Some(d) = f.department_id {
        q = q.filter(opportunities::owner_id.eq_any(members(conn, d)?));
    }
    if let Some(v) = &f.region {
        let c = customers::table
            .filter(customers::region.eq(v.clone()))
            .select(customers::id);
        q = q.filter(opportunities::customer_id.eq_any(c));
    }
    if let Some(v) = &f.industry {
        let c = customers::table
            .filter(customers::industry.eq(v.clone()))
            .select(customers::id);
        q = q.filter(opportunities::customer_id.eq_any(c));
    }
    if let Some(v) = &f.source {
        let c = customers::table
            .filter(customers::source.eq(v.clone()))
            .select(customers::id);
        q = q.filter(opportunities::customer_id.eq_any(c));
    }
    Ok(q)
}
