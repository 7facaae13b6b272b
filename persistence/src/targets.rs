//! Targets (业绩目标): saving a year's plan for a metric (resolved and
//! checked by `domain::targets::plan`, split over months), and progress:
//! target against actuals per month for the company, a department (its
//! subtree) or a rep. Actuals come from the rows that record who held them
//! at the time: approved contracts by signed date, payments by received
//! date, first wins by date, each with its owner and department.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use domain::targets::plan::{Holder, Node, Org, PlanError, resolve};
use domain::vocabulary::Metric;
use serde_json::json;

use crate::conn::DbConn;
use crate::schema::{contracts, customer_wins, departments, payments, targets, users};
use crate::{RepoError, audit};

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{}", .0.message())]
    Plan(PlanError),
    #[error("the month weights cannot split the figures")]
    Months,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<diesel::result::Error> for TargetError {
    fn from(e: diesel::result::Error) -> Self {
        TargetError::Repo(e.into())
    }
}

fn holder_key(h: Holder) -> (&'static str, i64) {
    match h {
        Holder::Company => ("company", 0),
        Holder::Department(d) => ("department", d),
        Holder::User(u) => ("user", u),
    }
}

/// The organisation as a plan's shape is checked against it.
fn org(conn: &mut DbConn) -> Result<Org, RepoError> {
    let depts: Vec<(i64, Option<i64>)> = departments::table
        .select((departments::id, departments::parent_id))
        .load(conn)?;
    let people: Vec<(i64, Option<i64>)> = users::table
        .filter(users::active.eq(true))
        .select((users::id, users::department_id))
        .load(conn)?;
    Ok(Org {
        departments: depts.into_iter().collect(),
        users: people.into_iter().collect(),
    })
}

/// Replaces the plan of `year` and `metric`: every holder's year figure and
/// its twelve months (equal, or by `month_weights`). Returns the figures.
pub fn save_plan(
    conn: &mut DbConn,
    actor: i64,
    year: i32,
    metric: Metric,
    root: &Node,
    month_weights: Option<&[i64; 12]>,
    now: DateTime<Utc>,
) -> Result<Vec<(Holder, i64, [i64; 12])>, TargetError> {
    let figures = resolve(root, &org(conn)?).map_err(TargetError::Plan)?;
    let mut out = Vec::with_capacity(figures.len());
    for (h, v) in figures {
        let months = domain::targets::months(v, month_weights).map_err(|_| TargetError::Months)?;
        out.push((h, v, months));
    }
    diesel::delete(
        targets::table
            .filter(targets::year.eq(year))
            .filter(targets::metric.eq(metric.as_str())),
    )
    .execute(conn)?;
    let mut rows = Vec::with_capacity(out.len() * 13);
    for (h, v, months) in &out {
        let (kind, id) = holder_key(*h);
        rows.push((kind, id, 0, *v));
        for (m, value) in months.iter().enumerate() {
            rows.push((kind, id, i32::try_from(m + 1).unwrap_or(12), *value));
        }
    }
    for chunk in rows.chunks(500) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(kind, id, month, value)| {
                (
                    targets::year.eq(year),
                    targets::metric.eq(metric.as_str()),
                    targets::holder_kind.eq(*kind),
                    targets::holder_id.eq(*id),
                    targets::month.eq(*month),
                    targets::value.eq(*value),
                )
            })
            .collect();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(targets::table).values(values).execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(targets::table).values(values).execute(c)?,
        };
    }
    let detail = json!({ "year": year, "metric": metric.as_str(), "holders": out.len() }).to_string();
    audit::record(conn, "targets", i64::from(year), "planned", Some(actor), &detail, now)?;
    Ok(out)
}

/// A holder's target (year at 0, months 1-12) and actuals per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub target: Option<[i64; 13]>,
    pub actual: [i64; 13],
}

/// Departments of the subtree rooted at `root`.
fn subtree(conn: &mut DbConn, root: i64) -> Result<Vec<i64>, RepoError> {
    let all: Vec<(i64, Option<i64>)> = departments::table
        .select((departments::id, departments::parent_id))
        .load(conn)?;
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, parent) in &all {
        if let Some(p) = parent {
            children.entry(*p).or_default().push(*id);
        }
    }
    let mut out = vec![root];
    let mut seen: HashSet<i64> = HashSet::from([root]);
    let mut i = 0;
    while i < out.len() {
        for c in children.get(&out[i]).cloned().unwrap_or_default() {
            if seen.insert(c) {
                out.push(c);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// [`progress`] as `by` may read it: `None` when `holder` is not theirs to
/// see (`domain::targets::plan::may_see`: their own figures, their
/// departments' and their reps', or everything for an admin).
pub fn progress_seen_by(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    year: i32,
    metric: Metric,
    holder: Holder,
) -> Result<Option<Progress>, RepoError> {
    let scope = by.scope(conn)?;
    progress_within(conn, &scope, by.user_id, year, metric, holder)
}

/// [`progress_seen_by`] for a caller `me` whose scope is resolved already.
pub fn progress_within(
    conn: &mut DbConn,
    scope: &domain::scope::DataScope,
    me: i64,
    year: i32,
    metric: Metric,
    holder: Holder,
) -> Result<Option<Progress>, RepoError> {
    use domain::scope::DataScope;
    let user_department = match (scope, holder) {
        (DataScope::Departments { .. }, Holder::User(u)) => users::table
            .find(u)
            .select(users::department_id)
            .first::<Option<i64>>(conn)
            .optional()?
            .flatten(),
        _ => None,
    };
    if !domain::targets::plan::may_see(scope, me, holder, user_department) {
        return Ok(None);
    }
    progress(conn, year, metric, holder).map(Some)
}

/// Target and actuals of `holder` for `metric` in `year`.
pub fn progress(conn: &mut DbConn, year: i32, metric: Metric, holder: Holder) -> Result<Progress, RepoError> {
    let (kind, id) = holder_key(holder);
    let stored: Vec<(i32, i64)> = targets::table
        .filter(targets::year.eq(year))
        .filter(targets::metric.eq(metric.as_str()))
        .filter(targets::holder_kind.eq(kind))
        .filter(targets::holder_id.eq(id))
        .select((targets::month, targets::value))
        .load(conn)?;
    let target = (!stored.is_empty()).then(|| {
        let mut t = [0; 13];
        for (m, v) in stored {
            if let Some(slot) = usize::try_from(m).ok().and_then(|m| t.get_mut(m)) {
                *slot = v;
            }
        }
        t
    });
    let depts = match holder {
        Holder::Department(d) => Some(subtree(conn, d)?),
        _ => None,
    };
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default(),
    );
    let dated: Vec<(NaiveDate, i64)> = match metric {
        Metric::ContractAmount => {
            let mut q = contracts::table
                .filter(contracts::status.eq("approved"))
                .filter(contracts::signed_on.ge(from))
                .filter(contracts::signed_on.lt(to))
                .into_boxed();
            match (holder, &depts) {
                (Holder::User(u), _) => q = q.filter(contracts::owner_id.eq(u)),
                (_, Some(d)) => q = q.filter(contracts::department_id.eq_any(d.clone())),
                _ => {}
            }
            q.select((contracts::signed_on, contracts::amount)).load(conn)?
        }
        Metric::PaymentAmount => {
            let mut q = payments::table
                .filter(payments::received_on.ge(from))
                .filter(payments::received_on.lt(to))
                .into_boxed();
            match (holder, &depts) {
                (Holder::User(u), _) => q = q.filter(payments::owner_id.eq(u)),
                (_, Some(d)) => q = q.filter(payments::department_id.eq_any(d.clone())),
                _ => {}
            }
            q.select((payments::received_on, payments::amount)).load(conn)?
        }
        Metric::NewCustomers => {
            let mut q = customer_wins::table
                .filter(customer_wins::won_on.ge(from))
                .filter(customer_wins::won_on.lt(to))
                .into_boxed();
            match (holder, &depts) {
                (Holder::User(u), _) => q = q.filter(customer_wins::owner_id.eq(u)),
                (_, Some(d)) => q = q.filter(customer_wins::department_id.eq_any(d.clone())),
                _ => {}
            }
            q.select(customer_wins::won_on)
                .load::<NaiveDate>(conn)?
                .into_iter()
                .map(|d| (d, 1))
                .collect()
        }
    };
    let mut actual = [0i64; 13];
    for (day, v) in dated {
        let m = usize::try_from(day.month()).unwrap_or(12);
        actual[m] = actual[m].saturating_add(v);
        actual[0] = actual[0].saturating_add(v);
    }
    Ok(Progress { target, actual })
}
