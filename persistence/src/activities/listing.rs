//! Reading activities: a customer's, newest first; the team feed (an admin
//! sees all, a manager their department subtree's, a rep their own and those
//! they came along on), keyset-paged with `updated_since` and a deleted-ids
//! feed for mobile sync; and deleting one.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;

use super::{ActivityError, ActivityRow};
use crate::conn::MultiBackend;
use crate::schema::{activities as a, activity_companions, users};
use crate::scope::{Principal, Reach};
use crate::{DbConn, RepoError, naive};

type Boxed<'q> = a::BoxedQuery<'q, MultiBackend>;

/// Restricts a query to the activities `scope` may read.
fn scoped<'q>(q: Boxed<'q>, scope: &DataScope) -> Boxed<'q> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            a::created_by.eq(Some(*user_id)).or(a::created_by.eq_any(
                users::table
                    .filter(users::department_id.eq_any(departments.clone()))
                    .select(users::id.nullable()),
            )),
        ),
        DataScope::Own { user_id } => q.filter(
            a::created_by.eq(Some(*user_id)).or(a::id.eq_any(
                activity_companions::table
                    .filter(activity_companions::user_id.eq(*user_id))
                    .select(activity_companions::activity_id),
            )),
        ),
    }
}

/// A customer's live activities, newest first, after `after` (occurred, id).
pub fn of_customer(
    conn: &mut DbConn,
    customer_id: i64,
    after: Option<(NaiveDateTime, i64)>,
    limit: u32,
) -> Result<Vec<ActivityRow>, RepoError> {
    let mut q = a::table
        .filter(a::customer_id.eq(customer_id))
        .filter(a::deleted_at.is_null())
        .into_boxed();
    if let Some((t, id)) = after {
        q = q.filter(a::occurred_at.lt(t).or(a::occurred_at.eq(t).and(a::id.lt(id))));
    }
    Ok(q.order((a::occurred_at.desc(), a::id.desc()))
        .limit(i64::from(limit))
        .select(ActivityRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub kind: Option<String>,
    pub customer_id: Option<i64>,
    pub created_by: Option<i64>,
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Where the last page ended, by the page's order.
#[derive(Debug, Clone, PartialEq)]
pub enum ActivityAfter {
    Id(i64),
    OccurredAt(NaiveDateTime, i64),
    UpdatedAt(NaiveDateTime, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySort {
    Id,
    OccurredAt,
    UpdatedAt,
}

/// The live activities `scope` may read, filtered, one keyset page.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &ActivityFilter,
    sort: ActivitySort,
    descending: bool,
    after: Option<ActivityAfter>,
    limit: u32,
) -> Result<Vec<ActivityRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(a::table.filter(a::deleted_at.is_null()).into_boxed(), scope);
    if let Some(k) = &f.kind {
        q = q.filter(a::kind.eq(k.clone()));
    }
    if let Some(c) = f.customer_id {
        q = q.filter(a::customer_id.eq(c));
    }
    if let Some(u) = f.created_by {
        q = q.filter(a::created_by.eq(u));
    }
    if let Some(t) = f.occurred_from {
        q = q.filter(a::occurred_at.ge(naive(t)));
    }
    if let Some(t) = f.occurred_before {
        q = q.filter(a::occurred_at.lt(naive(t)));
    }
    if let Some(t) = f.updated_since {
        q = q.filter(a::updated_at.ge(naive(t)));
    }
    q = match (after, descending) {
        (None, _) => q,
        (Some(ActivityAfter::Id(id)), false) => q.filter(a::id.gt(id)),
        (Some(ActivityAfter::Id(id)), true) => q.filter(a::id.lt(id)),
        (Some(ActivityAfter::OccurredAt(t, id)), false) => {
            q.filter(a::occurred_at.gt(t).or(a::occurred_at.eq(t).and(a::id.gt(id))))
        }
        (Some(ActivityAfter::OccurredAt(t, id)), true) => {
            q.filter(a::occurred_at.lt(t).or(a::occurred_at.eq(t).and(a::id.lt(id))))
        }
        (Some(ActivityAfter::UpdatedAt(t, id)), false) => {
            q.filter(a::updated_at.gt(t).or(a::updated_at.eq(t).and(a::id.gt(id))))
        }
        (Some(ActivityAfter::UpdatedAt(t, id)), true) => {
            q.filter(a::updated_at.lt(t).or(a::updated_at.eq(t).and(a::id.lt(id))))
        }
    };
    q = match (sort, descending) {
        (ActivitySort::Id, false) => q.order(a::id.asc()),
        (ActivitySort::Id, true) => q.order(a::id.desc()),
        (ActivitySort::OccurredAt, false) => q.order((a::occurred_at.asc(), a::id.asc())),
        (ActivitySort::OccurredAt, true) => q.order((a::occurred_at.desc(), a::id.desc())),
        (ActivitySort::UpdatedAt, false) => q.order((a::updated_at.asc(), a::id.asc())),
        (ActivitySort::UpdatedAt, true) => q.order((a::updated_at.desc(), a::id.desc())),
    };
    Ok(q.limit(i64::from(limit)).select(ActivityRow::as_select()).load(conn)?)
}

/// Companions of each activity (one query for a page).
pub fn companions_of(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, RepoError> {
    let rows: Vec<(i64, i64)> = activity_companions::table
        .filter(activity_companions::activity_id.eq_any(ids.to_vec()))
        .order((
            activity_companions::activity_id.asc(),
            activity_companions::user_id.asc(),
        ))
        .select((activity_companions::activity_id, activity_companions::user_id))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for (activity, user) in rows {
        out.entry(activity).or_default().push(user);
    }
    Ok(out)
}

/// Ids of activities the scope could read that were deleted since `since`.
pub fn deleted_since(
    conn: &mut DbConn,
    by: &impl Reach,
    since: DateTime<Utc>,
    after: Option<(NaiveDateTime, i64)>,
    limit: u32,
) -> Result<Vec<(i64, NaiveDateTime)>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(a::table.filter(a::deleted_at.ge(naive(since))).into_boxed(), scope);
    if let Some((t, id)) = after {
        q = q.filter(a::deleted_at.gt(t).or(a::deleted_at.eq(t).and(a::id.gt(id))));
    }
    let rows: Vec<(i64, Option<NaiveDateTime>)> = q
        .order((a::deleted_at.asc(), a::id.asc()))
        .select((a::id, a::deleted_at))
        .limit(i64::from(limit))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, t)| t.map(|t| (id, t))).collect())
}

/// Deletes an activity: its author, or a manager or admin who may read it.
/// The customer's last contact stays (it happened).
pub fn delete(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<(), ActivityError> {
    by.acting(conn, |conn, actor| {
        let found: Option<Option<i64>> = scoped(
            a::table
                .filter(a::id.eq(id))
                .filter(a::deleted_at.is_null())
                .into_boxed(),
            actor.scope,
        )
        .select(a::created_by)
        .first(conn)
        .optional()?;
        let author = found.ok_or(ActivityError::NotFound)?;
        if author != Some(actor.user_id) && matches!(actor.scope, DataScope::Own { .. }) {
            return Err(ActivityError::ReadOnly);
        }
        diesel::update(a::table.find(id))
            .set((a::deleted_at.eq(Some(naive(now))), a::updated_at.eq(Some(naive(now)))))
            .execute(conn)?;
        Ok(())
    })
}
