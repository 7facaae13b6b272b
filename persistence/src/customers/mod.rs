//! Customers: the central store. The normalised name is unique among live
//! customers (a partial unique index), so two concurrent creates of one
//! company give one row; every query takes the caller's data scope.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;

use crate::conn::MultiBackend;
use crate::schema::{customer_members, customer_tags, customers, users};
use crate::{DbConn, RepoError, naive};

mod candidates;
mod change;
mod check;
mod create;
mod handover;
mod importing;
mod leaving;
mod lifecycle;
mod listing;
mod members;
mod merge;
pub mod name_index;
mod ownership;
mod visible;
mod write;

pub use candidates::*;
pub use change::{CustomerChange, Edited, edit, update as change};
pub use check::{DuplicateKeys, Duplicates, ExactMatch, LeadDuplicate, duplicates};
pub use create::{Created, create, create_and_compare};
pub use handover::{HandedOver, Selection, hand_over};
pub use importing::{ImportInput, RowOutcome, import_rows};
pub use leaving::{HandedOverAll, Leaving, OpenWork, hand_over_all, open_work};
pub use lifecycle::{delete, merge_into, restore};
pub use listing::*;
pub use members::{Member, MemberError, share, team, unshare};
pub use merge::*;
pub use ownership::*;
pub use visible::{Denied, Visible, find_visible, find_visible_named, reach, reach_named};
pub use write::{
    Actor, CustomerWriteError, Existing, Imported, LookAlike, NewCustomer, Stored, UnknownCode, import, load_stored,
    look_alikes,
};
pub(crate) use write::{existing, insert_checked};

use crate::stamp::{MaybeStamp, Stamp};

/// All columns, in table order. Timestamps are read with the hand parser
/// ([`Stamp`]); diesel's tries chrono formats one by one for each value.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub name_key_rev: String,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub size_band: Option<String>,
    pub source: Option<String>,
    pub grade: String,
    pub owner_id: Option<i64>,
    pub previous_owner_id: Option<i64>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub owned_since: Option<NaiveDateTime>,
    pub locked: bool,
    pub dealt: bool,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub last_contacted_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub next_follow_up_at: Option<NaiveDateTime>,
    pub merged_into: Option<i64>,
    pub created_by: Option<i64>,
    pub version: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub deleted_at: Option<NaiveDateTime>,
    /// When it entered the pool (公海), while it is there.
    #[diesel(deserialize_as = MaybeStamp)]
    pub pooled_at: Option<NaiveDateTime>,
    /// Why it entered the pool: `no_follow_up`, `no_deal`, or the releaser's words.
    pub pool_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = customers)]
pub struct NewCustomerRow {
    pub name: String,
    pub name_key: String,
    pub name_key_rev: String,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub size_band: Option<String>,
    pub source: Option<String>,
    pub grade: String,
    pub owner_id: Option<i64>,
    pub owned_since: Option<NaiveDateTime>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub next_follow_up_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Fields a PATCH may change; `Some(None)` clears.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = customers)]
pub struct CustomerChangeset {
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub name_key_rev: Option<String>,
    pub credit_code: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub size_band: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub grade: Option<String>,
    pub locked: Option<bool>,
    pub dealt: Option<bool>,
    pub website: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub phone_key: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub email_key: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub next_follow_up_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    pub grade: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub tag: Option<String>,
    pub dealt: Option<bool>,
    pub in_pool: Option<bool>,
    /// Part of the name (case-insensitive), the phone digits or the e-mail.
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// One custom field's value: the field id and the filter.
    pub custom: Option<(i64, domain::custom_fields::Filter)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerSort {
    Id,
    Name,
    UpdatedAt,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CustomerAfter {
    Id(i64),
    Name(String, i64),
    UpdatedAt(NaiveDateTime, i64),
}

/// Which page of a customer list: the order and where the last page ended.
#[derive(Debug, Clone)]
pub struct CustomerPageRequest {
    pub sort: CustomerSort,
    pub descending: bool,
    pub after: Option<CustomerAfter>,
    /// Rows to fetch (the API asks one more than it shows, to know if more follow).
    pub limit: u32,
}

pub(super) type Boxed<'a> = customers::BoxedQuery<'a, MultiBackend>;

/// [`scoped`] for a boxed customers query of any backend (the list builds
/// its query once per backend, see `crate::conn::direct`).
macro_rules! scope_filter {
    ($q:expr, $scope:expr, $now:expr) => {{
        let (q, scope, now) = ($q, $scope, $now);
        match scope {
            DataScope::All => q,
            DataScope::Departments { user_id, departments } => q.filter(
                customers::owner_id
                    .is_null()
                    .or(customers::owner_id.eq(*user_id))
                    .or(customers::owner_id.eq_any(
                        users::table
                            .filter(users::department_id.eq_any(departments.clone()))
                            .select(users::id.nullable()),
                    )),
            ),
            DataScope::Own { user_id } => q.filter(
                customers::owner_id
                    .is_null()
                    .or(customers::owner_id.eq(*user_id))
                    .or(customers::id.eq_any(
                        customer_members::table
                            .filter(customer_members::user_id.eq(*user_id))
                            .filter(
                                customer_members::expires_at
                                    .is_null()
                                    .or(customer_members::expires_at.gt(now)),
                            )
                            .select(customer_members::customer_id),
                    )),
            ),
        }
    }};
}
pub(super) use scope_filter;

/// Restricts a query to the customers `scope` may see.
pub(super) fn scoped<'a>(q: Boxed<'a>, scope: &DataScope, now: NaiveDateTime) -> Boxed<'a> {
    scope_filter!(q, scope, now)
}

/// Inserts a customer and indexes its name for look-alike searches.
pub fn insert(conn: &mut DbConn, new: &NewCustomerRow) -> Result<CustomerRow, RepoError> {
    let id: i64 = diesel::insert_into(customers::table)
        .values(new)
        .returning(customers::id)
        .get_result(conn)?;
    name_index::index(conn, id, &new.name_key)?;
    find(conn, id)
}

/// Any customer by id, live or deleted, regardless of scope.
pub fn find(conn: &mut DbConn, id: i64) -> Result<CustomerRow, RepoError> {
    Ok(customers::table.find(id).first(conn)?)
}

/// The live customer holding a name key or a credit code, with its owner's name.
pub fn find_live_conflict(
    conn: &mut DbConn,
    name_key: &str,
    credit_code: Option<&str>,
    except: Option<i64>,
) -> Result<Option<(CustomerRow, Option<String>)>, RepoError> {
    let mut q = customers::table.filter(customers::deleted_at.is_null()).into_boxed();
    q = match credit_code {
        Some(code) => q.filter(
            customers::name_key
                .eq(name_key.to_owned())
                .or(customers::credit_code.eq(code.to_owned())),
        ),
        None => q.filter(customers::name_key.eq(name_key.to_owned())),
    };
    if let Some(id) = except {
        q = q.filter(customers::id.ne(id));
    }
    let Some(row) = q.first::<CustomerRow>(conn).optional()? else {
        return Ok(None);
    };
    let owner = owner_names(conn, &[row.owner_id.unwrap_or(0)])?.remove(&row.owner_id.unwrap_or(0));
    Ok(Some((row, owner)))
}

/// Names of users by id, in one query.
pub fn owner_names(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, String>, RepoError> {
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let among = crate::among::among(users::id, &wanted);
    let pairs: Vec<(i64, String)> = crate::conn::direct!(conn, |c| users::table
        .filter(among)
        .select((users::id, users::name))
        .load(c))?;
    Ok(pairs.into_iter().collect())
}

/// Tags of many customers, in one query.
pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, RepoError> {
    let among = crate::among::among(customer_tags::customer_id, ids);
    let pairs: Vec<(i64, String)> = crate::conn::direct!(conn, |c| customer_tags::table
        .filter(among)
        .order((customer_tags::customer_id, customer_tags::tag))
        .select((customer_tags::customer_id, customer_tags::tag))
        .load(c))?;
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in pairs {
        map.entry(id).or_default().push(tag);
    }
    Ok(map)
}

pub fn set_tags(conn: &mut DbConn, id: i64, tags: &[String]) -> Result<(), RepoError> {
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(customer_tags::table)
            .values((customer_tags::customer_id.eq(id), customer_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &CustomerChangeset,
    now: DateTime<Utc>,
) -> Result<CustomerRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let target = customers::table
        .filter(customers::id.eq(id))
        .filter(customers::version.eq(expected_version.unwrap_or(0)).or(any_version));
    let stamp = (
        customers::version.eq(customers::version + 1),
        customers::updated_at.eq(naive(now)),
    );
    let n = diesel::update(target).set((changes, stamp)).execute(conn)?;
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    if let Some(key) = &changes.name_key {
        name_index::index(conn, id, key)?;
    }
    find(conn, id)
}

/// Soft delete or restore, guarded by the version.
pub fn set_deleted(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<CustomerRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let n = diesel::update(
        customers::table
            .filter(customers::id.eq(id))
            .filter(customers::version.eq(expected_version.unwrap_or(0)).or(any_version)),
    )
    .set((
        customers::deleted_at.eq(deleted_at.map(naive)),
        customers::version.eq(customers::version + 1),
        customers::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(RepoError::Stale);
    }
    find(conn, id)
}
