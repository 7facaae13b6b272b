//! Lists of customers in a caller's scope: filtered keyset pages and the
//! deleted-ids feed for mobile sync.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;

use crate::schema::{customer_tags, customers, users};
use crate::scope::Reach;
use crate::{DbConn, RepoError, naive};

use super::*;

/// The filtered, sorted page of [`list`] as a boxed query of the backend
/// its use asks for.
macro_rules! page_query {
    ($scope:expr, $filter:expr, $page:expr, $now:expr) => {{
        let (scope, filter, page, now): (&DataScope, &CustomerFilter, &CustomerPageRequest, DateTime<Utc>) =
            ($scope, $filter, $page, $now);
        let mut q = scope_filter!(
            customers::table.filter(customers::deleted_at.is_null()).into_boxed(),
            scope,
            naive(now)
        );
        if let Some(o) = filter.owner_id {
            q = q.filter(customers::owner_id.eq(o));
        }
        if let Some(d) = filter.department_id {
            q = q.filter(
                customers::owner_id.eq_any(
                    users::table
                        .filter(users::department_id.eq(d))
                        .select(users::id.nullable()),
                ),
            );
        }
        if let Some(g) = &filter.grade {
            q = q.filter(customers::grade.eq(g.clone()));
        }
        if let Some(v) = &filter.industry {
            q = q.filter(customers::industry.eq(v.clone()));
        }
        if let Some(v) = &filter.region {
            q = q.filter(customers::region.eq(v.clone()));
        }
        if let Some(v) = &filter.source {
            q = q.filter(customers::source.eq(v.clone()));
        }
        if let Some(t) = &filter.tag {
            q = q.filter(
                customers::id.eq_any(
                    customer_tags::table
                        .filter(customer_tags::tag.eq(t.clone()))
                        .select(customer_tags::customer_id),
                ),
            );
        }
        if let Some(d) = filter.dealt {
            q = q.filter(customers::dealt.eq(d));
        }
        match filter.in_pool {
            Some(true) => q = q.filter(customers::owner_id.is_null()),
            Some(false) => q = q.filter(customers::owner_id.is_not_null()),
            None => {}
        }
        if let Some(text) = &filter.q {
            let pattern = crate::like_pattern(text);
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let phone_pattern = if digits.len() >= 3 {
                crate::like_pattern(&digits)
            } else {
                String::new() // phone keys are never empty: matches none
            };
            q = q.filter(
                crate::lower(customers::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(customers::email_key.like(pattern).escape('\\'))
                    .or(customers::phone_key.like(phone_pattern).escape('\\')),
            );
        }
        if let Some(since) = filter.updated_since {
            q = q.filter(customers::updated_at.ge(naive(since)));
        }
        if let Some(custom) = &filter.custom {
            q = crate::custom_filter!(q, customers::id, domain::custom_fields::CustomEntity::Customer, custom);
        }
        let (sort, descending, after, limit) = (page.sort, page.descending, page.after.as_ref(), page.limit);
        q = match (sort, descending) {
            (CustomerSort::Id, false) => q.order(customers::id.asc()),
            (CustomerSort::Id, true) => q.order(customers::id.desc()),
            (CustomerSort::Name, false) => q.order((customers::name.asc(), customers::id.asc())),
            (CustomerSort::Name, true) => q.order((customers::name.desc(), customers::id.desc())),
            (CustomerSort::UpdatedAt, false) => q.order((customers::updated_at.asc(), customers::id.asc())),
            (CustomerSort::UpdatedAt, true) => q.order((customers::updated_at.desc(), customers::id.desc())),
        };
        q = match (after, descending) {
            (None, _) => q,
            (Some(CustomerAfter::Id(id)), false) => q.filter(customers::id.gt(*id)),
            (Some(CustomerAfter::Id(id)), true) => q.filter(customers::id.lt(*id)),
            (Some(CustomerAfter::Name(v, id)), false) => q.filter(
                customers::name
                    .gt(v.clone())
                    .or(customers::name.eq(v.clone()).and(customers::id.gt(*id))),
            ),
            (Some(CustomerAfter::Name(v, id)), true) => q.filter(
                customers::name
                    .lt(v.clone())
                    .or(customers::name.eq(v.clone()).and(customers::id.lt(*id))),
            ),
            (Some(CustomerAfter::UpdatedAt(v, id)), false) => q.filter(
                customers::updated_at
                    .gt(*v)
                    .or(customers::updated_at.eq(*v).and(customers::id.gt(*id))),
            ),
            (Some(CustomerAfter::UpdatedAt(v, id)), true) => q.filter(
                customers::updated_at
                    .lt(*v)
                    .or(customers::updated_at.eq(*v).and(customers::id.lt(*id))),
            ),
        };
        q.limit(i64::from(limit))
    }};
}

/// Whose customers the caller sees masked (`domain::mask::Masking`), for a
/// read that lists what hangs off customers (their contacts) rather than
/// the customers themselves.
pub fn masking(conn: &mut DbConn, by: &impl Reach) -> Result<domain::mask::Masking, RepoError> {
    let scope = by.scope_in(conn)?;
    Ok(domain::mask::Masking::of(&scope))
}

/// A page of the customers the caller sees, and whose of them the caller
/// sees masked (`domain::mask::Masking`), decided from the same scope.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    filter: &CustomerFilter,
    page: &CustomerPageRequest,
    now: DateTime<Utc>,
) -> Result<(Vec<CustomerRow>, domain::mask::Masking), RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    // built once per backend and run on the concrete connection: a page's
    // 50 rows of 33 columns are read without the multi-connection's wrappers
    let rows = crate::conn::direct!(conn, |c| page_query!(scope, filter, page, now).load(c))?;
    Ok((rows, domain::mask::Masking::of(scope)))
}

/// Ids of customers in scope deleted at or after `since`, oldest first, for sync.
pub fn deleted_since(
    conn: &mut DbConn,
    by: &impl Reach,
    since: DateTime<Utc>,
    after_id: Option<(NaiveDateTime, i64)>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, NaiveDateTime)>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(
        customers::table
            .filter(customers::deleted_at.ge(naive(since)))
            .into_boxed(),
        scope,
        naive(now),
    );
    if let Some((t, id)) = after_id {
        q = q.filter(
            customers::deleted_at
                .gt(t)
                .or(customers::deleted_at.eq(t).and(customers::id.gt(id))),
        );
    }
    let rows: Vec<(i64, Option<NaiveDateTime>)> = q
        .order((customers::deleted_at.asc(), customers::id.asc()))
        .select((customers::id, customers::deleted_at))
        .limit(i64::from(limit))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, t)| t.map(|t| (id, t))).collect())
}
