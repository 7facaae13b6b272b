//! Departments: the organisation tree that scopes what managers see.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::org::ParentMap;

use crate::schema::{departments, users};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartmentRow {
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentChangeset {
    pub name: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub manager_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, Default)]
pub struct DepartmentFilter {
    pub parent_id: Option<i64>,
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DepartmentAfter {
    Id(i64),
    Name(String, i64),
}

/// Why a department cannot be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InUse {
    pub children: i64,
    pub users: i64,
}

pub fn insert(conn: &mut DbConn, new: &NewDepartmentRow) -> Result<DepartmentRow, RepoError> {
    let id: i64 = diesel::insert_into(departments::table)
        .values(new)
        .returning(departments::id)
        .get_result(conn)?;
    find(conn, id)
}

#[derive(Debug, thiserror::Error)]
pub enum DepartmentError {
    #[error("no such department")]
    NotFound,
    /// The new parent is unknown, the department itself, or inside it.
    #[error(transparent)]
    Tree(#[from] domain::org::TreeError),
    #[error("there is no active user {0}")]
    NoSuchManager(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for DepartmentError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use DepartmentError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("department"),
            E::Tree(e) => Refused::field("parent_id", FieldCode::Tree, e.to_string()),
            E::NoSuchManager(id) => Refused::field(
                "manager_id",
                FieldCode::NotFound,
                format!("there is no active user {id}"),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

fn check_manager(conn: &mut DbConn, manager_id: Option<i64>) -> Result<(), DepartmentError> {
    let Some(id) = manager_id else { return Ok(()) };
    match crate::users::find(conn, id) {
        Ok(u) if u.active => Ok(()),
        Ok(_) | Err(RepoError::NotFound) => Err(DepartmentError::NoSuchManager(id)),
        Err(e) => Err(e.into()),
    }
}

/// Adds a department under an existing parent (or at the top), managed by
/// an active user (or nobody).
pub fn create(
    conn: &mut DbConn,
    name: String,
    parent_id: Option<i64>,
    manager_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<DepartmentRow, DepartmentError> {
    if let Some(parent) = parent_id
        && !exists(conn, parent)?
    {
        return Err(domain::org::TreeError::UnknownParent(parent).into());
    }
    check_manager(conn, manager_id)?;
    let new = NewDepartmentRow {
        name,
        parent_id,
        manager_id,
        created_at: naive(now),
        updated_at: naive(now),
    };
    Ok(insert(conn, &new)?)
}

/// Changes a department, if still at `expected_version`: a new parent may
/// not make a cycle, a new manager is an active user.
pub fn edit(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &DepartmentChangeset,
    now: DateTime<Utc>,
) -> Result<DepartmentRow, DepartmentError> {
    match find(conn, id) {
        Err(RepoError::NotFound) => return Err(DepartmentError::NotFound),
        other => other?,
    };
    if let Some(parent) = changes.parent_id {
        domain::org::check_reparent(&parent_map(conn)?, id, parent)?;
    }
    if let Some(manager) = changes.manager_id {
        check_manager(conn, manager)?;
    }
    Ok(update(conn, id, expected_version, changes, now)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<DepartmentRow, RepoError> {
    Ok(departments::table
        .find(id)
        .select(DepartmentRow::as_select())
        .first(conn)?)
}

pub fn exists(conn: &mut DbConn, id: i64) -> Result<bool, RepoError> {
    Ok(diesel::select(diesel::dsl::exists(departments::table.find(id))).get_result(conn)?)
}

/// The whole tree as `id -> parent`; departments number in the hundreds at most.
pub fn parent_map(conn: &mut DbConn) -> Result<ParentMap, RepoError> {
    let pairs: Vec<(i64, Option<i64>)> = departments::table
        .select((departments::id, departments::parent_id))
        .load(conn)?;
    Ok(pairs.into_iter().collect())
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &DepartmentChangeset,
    now: DateTime<Utc>,
) -> Result<DepartmentRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let target = departments::table
        .filter(departments::id.eq(id))
        .filter(departments::version.eq(expected_version.unwrap_or(0)).or(any_version));
    let stamp = (
        departments::version.eq(departments::version + 1),
        departments::updated_at.eq(naive(now)),
    );
    let has_changes = changes.name.is_some() || changes.parent_id.is_some() || changes.manager_id.is_some();
    let n = if has_changes {
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

/// Deletes an empty department; refuses one that still has sub-departments or users.
pub fn delete(conn: &mut DbConn, id: i64, expected_version: Option<i64>) -> Result<Result<(), InUse>, RepoError> {
    let row = find(conn, id)?;
    if expected_version.is_some_and(|v| v != row.version) {
        return Err(RepoError::Stale);
    }
    let children: i64 = departments::table
        .filter(departments::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    let members: i64 = users::table
        .filter(users::department_id.eq(id))
        .count()
        .get_result(conn)?;
    if children > 0 || members > 0 {
        return Ok(Err(InUse {
            children,
            users: members,
        }));
    }
    diesel::delete(departments::table.find(id)).execute(conn)?;
    Ok(Ok(()))
}

pub fn list(
    conn: &mut DbConn,
    filter: &DepartmentFilter,
    descending: bool,
    by_name: bool,
    after: Option<&DepartmentAfter>,
    limit: u32,
) -> Result<Vec<DepartmentRow>, RepoError> {
    let mut q = departments::table.select(DepartmentRow::as_select()).into_boxed();
    if let Some(p) = filter.parent_id {
        q = q.filter(departments::parent_id.eq(p));
    }
    if let Some(text) = &filter.q {
        q = q.filter(
            crate::lower(departments::name)
                .like(crate::like_pattern(text))
                .escape('\\'),
        );
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(departments::updated_at.ge(naive(since)));
    }
    q = match (by_name, descending) {
        (false, false) => q.order(departments::id.asc()),
        (false, true) => q.order(departments::id.desc()),
        (true, false) => q.order((departments::name.asc(), departments::id.asc())),
        (true, true) => q.order((departments::name.desc(), departments::id.desc())),
    };
    q = match (after, descending) {
        (None, _) => q,
        (Some(DepartmentAfter::Id(id)), false) => q.filter(departments::id.gt(*id)),
        (Some(DepartmentAfter::Id(id)), true) => q.filter(departments::id.lt(*id)),
        (Some(DepartmentAfter::Name(v, id)), false) => q.filter(
            departments::name
                .gt(v.clone())
                .or(departments::name.eq(v.clone()).and(departments::id.gt(*id))),
        ),
        (Some(DepartmentAfter::Name(v, id)), true) => q.filter(
            departments::name
                .lt(v.clone())
                .or(departments::name.eq(v.clone()).and(departments::id.lt(*id))),
        ),
    };
    Ok(q.limit(i64::from(limit)).load(conn)?)
}
