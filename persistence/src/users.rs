//! Users of the organisation.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::users;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub department_id: Option<i64>,
    pub active: bool,
    pub max_customers: Option<i32>,
    pub version: i64,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Moves on when the user's sessions end; access tokens carry it.
    pub token_version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub department_id: Option<i64>,
    pub active: bool,
    pub max_customers: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Fields a PATCH may change; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    pub name: Option<String>,
    pub role: Option<String>,
    pub department_id: Option<Option<i64>>,
    pub active: Option<bool>,
    pub max_customers: Option<Option<i32>>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Id,
    Name,
    UpdatedAt,
}

/// Where the previous page ended, in the list's sort order.
#[derive(Debug, Clone, PartialEq)]
pub enum UserAfter {
    Id(i64),
    Name(String, i64),
    UpdatedAt(NaiveDateTime, i64),
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<String>,
    pub department_id: Option<i64>,
    pub active: Option<bool>,
    /// Case-insensitive substring of name or (with `q_matches_email`) e-mail.
    pub q: Option<String>,
    /// Whether `q` may match e-mails: only for callers who may see them all,
    /// else a search would reveal hidden addresses letter by letter.
    pub q_matches_email: bool,
    pub updated_since: Option<DateTime<Utc>>,
}

/// What an access token's holder may do now: read on every request (briefly
/// cached by the API), so a role, department or deactivation takes effect at
/// once instead of when the token expires.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct AuthState {
    pub role: String,
    pub department_id: Option<i64>,
    pub active: bool,
    pub token_version: i64,
}

/// The current [`AuthState`] of a user; `None` when there is no such user.
pub fn auth_state(conn: &mut DbConn, id: i64) -> Result<Option<AuthState>, RepoError> {
    Ok(users::table
        .find(id)
        .select(AuthState::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, RepoError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn insert(conn: &mut DbConn, new: &NewUserRow) -> Result<UserRow, RepoError> {
    let id: i64 = diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<UserRow, RepoError> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn)?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<UserRow>, RepoError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn count_active_admins(conn: &mut DbConn) -> Result<i64, RepoError> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?)
}

pub fn touch_login(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(naive(now)))
        .execute(conn)?;
    Ok(())
}

/// Applies `changes` if the row is still at `expected_version` (when given),
/// bumping the version. `Stale` when someone else changed it first.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &UserChangeset,
    now: DateTime<Utc>,
) -> Result<UserRow, RepoError> {
    let target = users::table.filter(users::id.eq(id)).filter(
        users::version
            .eq(expected_version.unwrap_or(0))
            .or(expected_version.is_none().into_sql::<diesel::sql_types::Bool>()),
    );
    let stamp = (users::version.eq(users::version + 1), users::updated_at.eq(naive(now)));
    let n = if has_changes(changes) {
        diesel::update(target).set((changes, stamp)).execute(conn)?
    } else {
        diesel::update(target).set(stamp).execute(conn)?
    };
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    find(conn, id)
}

fn has_changes(c: &UserChangeset) -> bool {
    c.name.is_some()
        || c.role.is_some()
        || c.department_id.is_some()
        || c.active.is_some()
        || c.max_customers.is_some()
        || c.password_hash.is_some()
}

pub fn list(
    conn: &mut DbConn,
    filter: &UserFilter,
    sort: UserSort,
    descending: bool,
    after: Option<&UserAfter>,
    limit: u32,
) -> Result<Vec<UserRow>, RepoError> {
    let mut q = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = &filter.role {
        q = q.filter(users::role.eq(role.clone()));
    }
    if let Some(d) = filter.department_id {
        q = q.filter(users::department_id.eq(d));
    }
    if let Some(a) = filter.active {
        q = q.filter(users::active.eq(a));
    }
    if let Some(text) = &filter.q {
        let pattern = crate::like_pattern(text);
        let in_name = crate::lower(users::name).like(pattern.clone()).escape('\\');
        q = if filter.q_matches_email {
            q.filter(in_name.or(users::email.like(pattern).escape('\\')))
        } else {
            q.filter(in_name)
        };
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(users::updated_at.ge(naive(since)));
    }
    q = match (sort, descending) {
        (UserSort::Id, false) => q.order(users::id.asc()),
        (UserSort::Id, true) => q.order(users::id.desc()),
        (UserSort::Name, false) => q.order((users::name.asc(), users::id.asc())),
        (UserSort::Name, true) => q.order((users::name.desc(), users::id.desc())),
        (UserSort::UpdatedAt, false) => q.order((users::updated_at.asc(), users::id.asc())),
        (UserSort::UpdatedAt, true) => q.order((users::updated_at.desc(), users::id.desc())),
    };
    q = match (after, descending) {
        (None, _) => q,
        (Some(UserAfter::Id(id)), false) => q.filter(users::id.gt(*id)),
        (Some(UserAfter::Id(id)), true) => q.filter(users::id.lt(*id)),
        (Some(UserAfter::Name(v, id)), false) => q.filter(
            users::name
                .gt(v.clone())
                .or(users::name.eq(v.clone()).and(users::id.gt(*id))),
        ),
        (Some(UserAfter::Name(v, id)), true) => q.filter(
            users::name
                .lt(v.clone())
                .or(users::name.eq(v.clone()).and(users::id.lt(*id))),
        ),
        (Some(UserAfter::UpdatedAt(v, id)), false) => q.filter(
            users::updated_at
                .gt(*v)
                .or(users::updated_at.eq(*v).and(users::id.gt(*id))),
        ),
        (Some(UserAfter::UpdatedAt(v, id)), true) => q.filter(
            users::updated_at
                .lt(*v)
                .or(users::updated_at.eq(*v).and(users::id.lt(*id))),
        ),
    };
    Ok(q.limit(i64::from(limit)).load(conn)?)
}

/// Whether work may be given to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignable {
    Yes,
    /// An active user outside the caller's reach (`domain::scope::may_assign`).
    NotAllowed,
    /// No such user, or not active.
    NoSuchUser,
}

/// May `scope` give records or work to `target`? One read of the user.
pub fn assignable(conn: &mut DbConn, scope: &domain::scope::DataScope, target: i64) -> Result<Assignable, RepoError> {
    let user: Option<(bool, Option<i64>)> = users::table
        .find(target)
        .select((users::active, users::department_id))
        .first(conn)
        .optional()?;
    Ok(match user {
        Some((true, department)) if domain::scope::may_assign(scope, target, department) => Assignable::Yes,
        Some((true, _)) => Assignable::NotAllowed,
        _ => Assignable::NoSuchUser,
    })
}
