//! Customers: the central store. The normalised name is unique among live
//! customers (a partial unique index), so two concurrent creates of one
//! company give one row; every query takes the caller's data scope.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::{Access, DataScope, RecordAccess, access};

use crate::db::MultiBackend;
use crate::schema::{activities, contacts, customer_members, customer_tags, customers, leads, opportunities, users};
use crate::{DbConn, RepoError, naive};

/// All columns, in table order.
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
    pub last_contacted_at: Option<NaiveDateTime>,
    pub next_follow_up_at: Option<NaiveDateTime>,
    pub merged_into: Option<i64>,
    pub created_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
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

type Boxed<'a> = customers::BoxedQuery<'a, MultiBackend>;

/// Restricts a query to the customers `scope` may see.
fn scoped<'a>(q: Boxed<'a>, scope: &DataScope, now: NaiveDateTime) -> Boxed<'a> {
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
}

pub fn insert(conn: &mut DbConn, new: &NewCustomerRow) -> Result<CustomerRow, RepoError> {
    let id: i64 = diesel::insert_into(customers::table)
        .values(new)
        .returning(customers::id)
        .get_result(conn)?;
    find(conn, id)
}

/// Any customer by id, live or deleted, regardless of scope.
pub fn find(conn: &mut DbConn, id: i64) -> Result<CustomerRow, RepoError> {
    Ok(customers::table.find(id).first(conn)?)
}

/// A live (or, with `deleted`, a deleted) customer the scope can see, and what the caller may do with it.
pub fn find_visible(
    conn: &mut DbConn,
    id: i64,
    scope: &DataScope,
    deleted: bool,
    now: DateTime<Utc>,
) -> Result<Option<(CustomerRow, Access)>, RepoError> {
    let mut q = customers::table.filter(customers::id.eq(id)).into_boxed();
    q = if deleted {
        q.filter(customers::deleted_at.is_not_null())
    } else {
        q.filter(customers::deleted_at.is_null())
    };
    let Some(row) = q.first::<CustomerRow>(conn).optional()? else {
        return Ok(None);
    };
    let owner_department = match row.owner_id {
        Some(owner) => users::table.find(owner).select(users::department_id).first(conn)?,
        None => None,
    };
    let member_can_write = match scope {
        DataScope::Own { user_id } => customer_members::table
            .find((id, *user_id))
            .filter(
                customer_members::expires_at
                    .is_null()
                    .or(customer_members::expires_at.gt(naive(now))),
            )
            .select(customer_members::access)
            .first::<String>(conn)
            .optional()?
            .map(|a| a == "read_write"),
        _ => None,
    };
    let level = access(
        scope,
        &RecordAccess {
            owner_id: row.owner_id,
            owner_department,
            member_can_write,
        },
    );
    Ok((level > Access::None).then_some((row, level)))
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
    let pairs: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(wanted))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(pairs.into_iter().collect())
}

/// Tags of many customers, in one query.
pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, RepoError> {
    let pairs: Vec<(i64, String)> = customer_tags::table
        .filter(customer_tags::customer_id.eq_any(ids.to_vec()))
        .order((customer_tags::customer_id, customer_tags::tag))
        .select((customer_tags::customer_id, customer_tags::tag))
        .load(conn)?;
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

pub fn list(
    conn: &mut DbConn,
    scope: &DataScope,
    filter: &CustomerFilter,
    page: &CustomerPageRequest,
    now: DateTime<Utc>,
) -> Result<Vec<CustomerRow>, RepoError> {
    let mut q = scoped(
        customers::table.filter(customers::deleted_at.is_null()).into_boxed(),
        scope,
        naive(now),
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
    Ok(q.limit(i64::from(limit)).load(conn)?)
}

/// Ids of customers in scope deleted at or after `since`, oldest first, for sync.
pub fn deleted_since(
    conn: &mut DbConn,
    scope: &DataScope,
    since: DateTime<Utc>,
    after_id: Option<(NaiveDateTime, i64)>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, NaiveDateTime)>, RepoError> {
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

/// A live customer matching exactly, and how.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub owner_id: Option<i64>,
    pub credit_code: Option<String>,
    pub phone_key: Option<String>,
    pub email_key: Option<String>,
}

type CandidateColumns = (
    customers::id,
    customers::name,
    customers::name_key,
    customers::owner_id,
    customers::credit_code,
    customers::phone_key,
    customers::email_key,
);
const CANDIDATE: CandidateColumns = (
    customers::id,
    customers::name,
    customers::name_key,
    customers::owner_id,
    customers::credit_code,
    customers::phone_key,
    customers::email_key,
);

type CandidateTuple = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn to_candidates(rows: Vec<CandidateTuple>) -> Vec<Candidate> {
    rows.into_iter()
        .map(
            |(id, name, name_key, owner_id, credit_code, phone_key, email_key)| Candidate {
                id,
                name,
                name_key,
                owner_id,
                credit_code,
                phone_key,
                email_key,
            },
        )
        .collect()
}

/// Live customers sharing the name key, credit code, phone or e-mail (of the
/// customer or of one of its contacts), across all scopes, each with the
/// field that matched (`name`, `credit_code`, `phone`, `email`).
pub fn exact_candidates(
    conn: &mut DbConn,
    name_key: Option<&str>,
    credit_code: Option<&str>,
    phone_key: Option<&str>,
    email_key: Option<&str>,
) -> Result<Vec<(Candidate, &'static str)>, RepoError> {
    let mut out = Vec::new();
    let tag = |list: Vec<Candidate>, field: &'static str| list.into_iter().map(move |c| (c, field));
    let live = || customers::table.filter(customers::deleted_at.is_null());
    if let Some(k) = name_key {
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::name_key.eq(k))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "name",
        ));
    }
    if let Some(c) = credit_code {
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::credit_code.eq(c))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "credit_code",
        ));
    }
    if let Some(p) = phone_key {
        let via_contacts = contacts::table
            .filter(contacts::phone_key.eq(p))
            .filter(contacts::deleted_at.is_null())
            .select(contacts::customer_id);
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::phone_key.eq(p).or(customers::id.eq_any(via_contacts)))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "phone",
        ));
    }
    if let Some(e) = email_key {
        let via_contacts = contacts::table
            .filter(contacts::email_key.eq(e))
            .filter(contacts::deleted_at.is_null())
            .select(contacts::customer_id);
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::email_key.eq(e).or(customers::id.eq_any(via_contacts)))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "email",
        ));
    }
    Ok(out)
}

/// Live customers whose key starts or ends like `name_key` (index prefix
/// scans on the key and on the reversed key), for similarity scoring.
pub fn similar_candidates(conn: &mut DbConn, name_key: &str, limit: i64) -> Result<Vec<Candidate>, RepoError> {
    let head: String = name_key.chars().take(2).collect();
    let tail: String = name_key.chars().rev().take(2).collect();
    if head.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let prefix = |p: &str| format!("{}%", crate::like_pattern(p).trim_matches('%'));
    let rows = customers::table
        .filter(customers::deleted_at.is_null())
        .filter(
            customers::name_key
                .like(prefix(&head))
                .escape('\\')
                .or(customers::name_key_rev.like(prefix(&tail)).escape('\\')),
        )
        .select(CANDIDATE)
        .limit(limit)
        .load(conn)?;
    Ok(to_candidates(rows))
}

/// Live customers owned by a user.
pub fn count_owned(conn: &mut DbConn, user_id: i64) -> Result<i64, RepoError> {
    Ok(customers::table
        .filter(customers::owner_id.eq(user_id))
        .filter(customers::deleted_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Ids of the live customers a user owns.
pub fn owned_ids(conn: &mut DbConn, user_id: i64) -> Result<Vec<i64>, RepoError> {
    Ok(customers::table
        .filter(customers::owner_id.eq(user_id))
        .filter(customers::deleted_at.is_null())
        .order(customers::id.asc())
        .select(customers::id)
        .load(conn)?)
}

/// Gives a customer to `to`: the old owner becomes `previous_owner_id` and,
/// with `keep_member`, a read-only team member; the pool clock restarts.
/// Returns the old owner.
pub fn transfer(
    conn: &mut DbConn,
    id: i64,
    to: i64,
    keep_member: bool,
    now: DateTime<Utc>,
) -> Result<Option<i64>, RepoError> {
    let old: Option<i64> = customers::table.find(id).select(customers::owner_id).first(conn)?;
    if old == Some(to) {
        return Ok(old);
    }
    diesel::update(customers::table.find(id))
        .set((
            customers::previous_owner_id.eq(customers::owner_id),
            customers::owner_id.eq(Some(to)),
            customers::owned_since.eq(Some(naive(now))),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    // open deals the old owner worked on this customer move with it
    if let Some(prev) = old {
        diesel::update(
            opportunities::table
                .filter(opportunities::customer_id.eq(id))
                .filter(opportunities::owner_id.eq(prev))
                .filter(opportunities::status.eq("open")),
        )
        .set((
            opportunities::owner_id.eq(to),
            opportunities::version.eq(opportunities::version + 1),
            opportunities::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    }
    diesel::delete(customer_members::table.find((id, to))).execute(conn)?;
    if let (true, Some(prev)) = (keep_member, old) {
        diesel::delete(customer_members::table.find((id, prev))).execute(conn)?;
        diesel::insert_into(customer_members::table)
            .values((
                customer_members::customer_id.eq(id),
                customer_members::user_id.eq(prev),
                customer_members::access.eq("read_only"),
                customer_members::created_at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    Ok(old)
}

/// Merges customer `loser` into `survivor`: contacts and tags move, the
/// survivor fills its empty credit code, phone and e-mail from the loser, and
/// the loser is deleted remembering `merged_into`. Run inside one transaction.
pub fn merge(
    conn: &mut DbConn,
    survivor: &CustomerRow,
    loser: &CustomerRow,
    now: DateTime<Utc>,
) -> Result<CustomerRow, RepoError> {
    crate::contacts::move_all(conn, loser.id, survivor.id, now)?;
    // deals, follow-ups and the leads that point at the duplicate follow it
    diesel::update(opportunities::table.filter(opportunities::customer_id.eq(loser.id)))
        .set((
            opportunities::customer_id.eq(survivor.id),
            opportunities::version.eq(opportunities::version + 1),
            opportunities::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    diesel::update(activities::table.filter(activities::customer_id.eq(loser.id)))
        .set(activities::customer_id.eq(survivor.id))
        .execute(conn)?;
    diesel::update(leads::table.filter(leads::converted_customer_id.eq(loser.id)))
        .set(leads::converted_customer_id.eq(survivor.id))
        .execute(conn)?;
    diesel::update(leads::table.filter(leads::duplicate_of_customer_id.eq(loser.id)))
        .set(leads::duplicate_of_customer_id.eq(survivor.id))
        .execute(conn)?;
    let mut tags = tags_of(conn, &[survivor.id, loser.id])?;
    let mut all = tags.remove(&survivor.id).unwrap_or_default();
    for t in tags.remove(&loser.id).unwrap_or_default() {
        if !all.contains(&t) {
            all.push(t);
        }
    }
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(loser.id))).execute(conn)?;
    set_tags(conn, survivor.id, &all)?;
    diesel::delete(customer_members::table.filter(customer_members::customer_id.eq(loser.id))).execute(conn)?;
    diesel::update(customers::table.find(loser.id))
        .set((
            customers::merged_into.eq(Some(survivor.id)),
            customers::deleted_at.eq(Some(naive(now))),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    let fill = CustomerChangeset {
        credit_code: survivor
            .credit_code
            .is_none()
            .then(|| loser.credit_code.clone())
            .filter(Option::is_some),
        phone: survivor
            .phone
            .is_none()
            .then(|| loser.phone.clone())
            .filter(Option::is_some),
        phone_key: survivor
            .phone_key
            .is_none()
            .then(|| loser.phone_key.clone())
            .filter(Option::is_some),
        email: survivor
            .email
            .is_none()
            .then(|| loser.email.clone())
            .filter(Option::is_some),
        email_key: survivor
            .email_key
            .is_none()
            .then(|| loser.email_key.clone())
            .filter(Option::is_some),
        dealt: (loser.dealt && !survivor.dealt).then_some(true),
        ..CustomerChangeset::default()
    };
    update(conn, survivor.id, None, &fill, now)
}

/// A team member of a customer (协作人).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customer_members)]
pub struct MemberRow {
    pub customer_id: i64,
    pub user_id: i64,
    pub access: String,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn members(conn: &mut DbConn, customer_id: i64) -> Result<Vec<MemberRow>, RepoError> {
    Ok(customer_members::table
        .filter(customer_members::customer_id.eq(customer_id))
        .order(customer_members::user_id.asc())
        .select(MemberRow::as_select())
        .load(conn)?)
}

/// Adds or changes a member's access.
pub fn put_member(
    conn: &mut DbConn,
    customer_id: i64,
    user_id: i64,
    access: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<MemberRow, RepoError> {
    diesel::delete(customer_members::table.find((customer_id, user_id))).execute(conn)?;
    diesel::insert_into(customer_members::table)
        .values((
            customer_members::customer_id.eq(customer_id),
            customer_members::user_id.eq(user_id),
            customer_members::access.eq(access),
            customer_members::expires_at.eq(expires_at.map(naive)),
            customer_members::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(customer_members::table
        .find((customer_id, user_id))
        .select(MemberRow::as_select())
        .first(conn)?)
}

/// Removes a member; `false` when they were none.
pub fn remove_member(conn: &mut DbConn, customer_id: i64, user_id: i64) -> Result<bool, RepoError> {
    Ok(diesel::delete(customer_members::table.find((customer_id, user_id))).execute(conn)? == 1)
}

/// Claims a pool customer for `owner` if it is still in the pool (a
/// conditional update, so two claims cannot both win). `None` when it was not.
pub fn claim(conn: &mut DbConn, id: i64, owner: i64, now: DateTime<Utc>) -> Result<Option<()>, RepoError> {
    let n = diesel::update(
        customers::table
            .filter(customers::id.eq(id))
            .filter(customers::owner_id.is_null())
            .filter(customers::deleted_at.is_null()),
    )
    .set((
        customers::owner_id.eq(Some(owner)),
        customers::owned_since.eq(Some(naive(now))),
        customers::version.eq(customers::version + 1),
        customers::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    Ok((n == 1).then_some(()))
}
