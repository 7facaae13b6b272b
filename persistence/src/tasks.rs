//! To-dos (待办) and appointments (约见) as business operations: create,
//! change (also mark done), delete, list, and one user's calendar. A
//! follow-up's next action with a time becomes a task of its author.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;
use domain::tasks::{TimeError, Times};
use domain::vocabulary::TaskKind;

use crate::activities::ActivityRow;
use crate::conn::MultiBackend;
use crate::customers;
use crate::schema::{tasks as t, users};
use crate::scope::{Principal, Reach};
use crate::{DbConn, RepoError, leads, naive, opportunities};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct TaskRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub notes: Option<String>,
    pub location: Option<String>,
    pub assignee_id: i64,
    pub created_by: Option<i64>,
    pub customer_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub due_at: Option<NaiveDateTime>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub remind_minutes_before: Option<i32>,
    pub done_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl TaskRow {
    pub fn times(&self) -> Times {
        Times {
            due_at: self.due_at.map(|x| x.and_utc()),
            starts_at: self.starts_at.map(|x| x.and_utc()),
            ends_at: self.ends_at.map(|x| x.and_utc()),
            remind_minutes_before: self.remind_minutes_before,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub kind: TaskKind,
    pub title: String,
    pub notes: Option<String>,
    pub location: Option<String>,
    /// `None`: the actor.
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub times: Times,
}

/// Fields to change; `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct TaskChange {
    pub title: Option<String>,
    pub notes: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub assignee_id: Option<i64>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub starts_at: Option<Option<DateTime<Utc>>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub remind_minutes_before: Option<Option<i32>>,
    pub done: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("no such task in your scope")]
    NotFound,
    #[error("there is no active user {0}")]
    NoSuchAssignee(i64),
    #[error("you may not give work to user {0}")]
    AssigneeNotAllowed(i64),
    /// A related record (`customer_id`, `lead_id`, `opportunity_id`) the caller cannot see.
    #[error("there is no {field} {id} in your scope")]
    NoSuchRecord { field: &'static str, id: i64 },
    #[error("the times are not those of a {0}")]
    Times(&'static str, Vec<TimeError>),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for TaskError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use TaskError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("task"),
            E::NoSuchAssignee(id) => Refused::field(
                "assignee_id",
                FieldCode::NotFound,
                format!("there is no active user {id}"),
            ),
            E::AssigneeNotAllowed(id) => Refused::forbidden(format!("you may not give work to user {id}")),
            E::NoSuchRecord { field, id } => Refused::field(
                field,
                FieldCode::NotFound,
                format!("there is no {field} {id} in your scope"),
            ),
            E::Times(_, errors) => Refused::fields(
                errors
                    .into_iter()
                    .map(|e| domain::problem::FieldError::new(e.field, FieldCode::DependsOn, e.message))
                    .collect(),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for TaskError {
    fn from(e: diesel::result::Error) -> Self {
        TaskError::Repo(e.into())
    }
}

type Result<T> = std::result::Result<T, TaskError>;

fn check_assignee(conn: &mut DbConn, scope: &DataScope, target: i64) -> Result<()> {
    match crate::users::assignable(conn, scope, target)? {
        crate::users::Assignable::Yes => Ok(()),
        crate::users::Assignable::NotAllowed => Err(TaskError::AssigneeNotAllowed(target)),
        crate::users::Assignable::NoSuchUser => Err(TaskError::NoSuchAssignee(target)),
    }
}

fn check_related(conn: &mut DbConn, scope: &DataScope, new: &NewTask, now: DateTime<Utc>) -> Result<()> {
    if let Some(id) = new.customer_id
        && customers::find_visible(conn, id, scope, false, now)?.is_none()
    {
        return Err(TaskError::NoSuchRecord {
            field: "customer_id",
            id,
        });
    }
    if let Some(id) = new.lead_id
        && leads::find_visible(conn, id, scope)?.is_none()
    {
        return Err(TaskError::NoSuchRecord { field: "lead_id", id });
    }
    if let Some(id) = new.opportunity_id
        && opportunities::find_visible(conn, id, scope)?.is_none()
    {
        return Err(TaskError::NoSuchRecord {
            field: "opportunity_id",
            id,
        });
    }
    Ok(())
}

fn check_times(kind: TaskKind, times: &Times) -> Result<()> {
    domain::tasks::check_times(kind, times).map_err(|e| TaskError::Times(kind.as_str(), e))
}

/// Creates a task or appointment.
pub fn create(conn: &mut DbConn, by: &Principal, new: NewTask, now: DateTime<Utc>) -> Result<TaskRow> {
    by.acting(conn, |conn, actor| {
        let assignee = new.assignee_id.unwrap_or(actor.user_id);
        check_assignee(conn, actor.scope, assignee)?;
        check_related(conn, actor.scope, &new, now)?;
        check_times(new.kind, &new.times)?;
        insert(conn, &new, assignee, Some(actor.user_id), None, now)
    })
}

fn insert(
    conn: &mut DbConn,
    new: &NewTask,
    assignee: i64,
    by: Option<i64>,
    activity: Option<i64>,
    now: DateTime<Utc>,
) -> Result<TaskRow> {
    let id: i64 = diesel::insert_into(t::table)
        .values((
            t::kind.eq(new.kind.as_str()),
            t::title.eq(&new.title),
            t::notes.eq(&new.notes),
            t::location.eq(&new.location),
            t::assignee_id.eq(assignee),
            t::created_by.eq(by),
            t::customer_id.eq(new.customer_id),
            t::lead_id.eq(new.lead_id),
            t::opportunity_id.eq(new.opportunity_id),
            t::activity_id.eq(activity),
            t::due_at.eq(new.times.due_at.map(naive)),
            t::starts_at.eq(new.times.starts_at.map(naive)),
            t::ends_at.eq(new.times.ends_at.map(naive)),
            t::remind_minutes_before.eq(new.times.remind_minutes_before),
            t::created_at.eq(naive(now)),
            t::updated_at.eq(naive(now)),
        ))
        .returning(t::id)
        .get_result(conn)?;
    Ok(t::table.find(id).select(TaskRow::as_select()).first(conn)?)
}

/// The task a follow-up's next action with a time makes: its author's, due then.
pub fn from_next_action(
    conn: &mut DbConn,
    a: &ActivityRow,
    now: DateTime<Utc>,
) -> std::result::Result<Option<TaskRow>, RepoError> {
    let (Some(due), Some(author)) = (a.next_action_at, a.created_by) else {
        return Ok(None);
    };
    let new = NewTask {
        kind: TaskKind::Task,
        title: a.next_action.clone().unwrap_or_else(|| "跟进 / follow up".to_owned()),
        notes: a.subject.clone(),
        location: None,
        assignee_id: Some(author),
        customer_id: a.customer_id,
        lead_id: a.lead_id,
        opportunity_id: a.opportunity_id,
        times: Times {
            due_at: Some(due.and_utc()),
            ..Times::default()
        },
    };
    match insert(conn, &new, author, Some(author), Some(a.id), now) {
        Ok(row) => Ok(Some(row)),
        Err(TaskError::Repo(e)) => Err(e),
        Err(other) => Err(RepoError::Corrupt(other.to_string())),
    }
}

type Boxed<'q> = t::BoxedQuery<'q, MultiBackend>;

/// Restricts a query to the tasks `scope` may see: an admin all, a manager
/// those assigned in their subtree or made by them, a rep theirs.
fn scoped<'q>(q: Boxed<'q>, scope: &DataScope) -> Boxed<'q> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            t::created_by
                .eq(Some(*user_id))
                .or(t::assignee_id.eq(*user_id))
                .or(t::assignee_id.eq_any(
                    users::table
                        .filter(users::department_id.eq_any(departments.clone()))
                        .select(users::id),
                )),
        ),
        DataScope::Own { user_id } => q.filter(t::assignee_id.eq(*user_id).or(t::created_by.eq(Some(*user_id)))),
    }
}

pub fn find_visible(conn: &mut DbConn, scope: &DataScope, id: i64) -> std::result::Result<Option<TaskRow>, RepoError> {
    Ok(scoped(
        t::table
            .filter(t::id.eq(id))
            .filter(t::deleted_at.is_null())
            .into_boxed(),
        scope,
    )
    .select(TaskRow::as_select())
    .first(conn)
    .optional()?)
}

/// Changes a task; `expected` is the If-Match version, if any.
pub fn change(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected: Option<i64>,
    c: TaskChange,
    now: DateTime<Utc>,
) -> Result<TaskRow> {
    by.acting(conn, |conn, actor| {
        let row = find_visible(conn, actor.scope, id)?.ok_or(TaskError::NotFound)?;
        if expected.is_some_and(|v| v != row.version) {
            return Err(TaskError::Repo(RepoError::Stale));
        }
        if let Some(a) = c.assignee_id.filter(|a| *a != row.assignee_id) {
            check_assignee(conn, actor.scope, a)?;
        }
        let before = row.times();
        let times = Times {
            due_at: c.due_at.unwrap_or(before.due_at),
            starts_at: c.starts_at.unwrap_or(before.starts_at),
            ends_at: c.ends_at.unwrap_or(before.ends_at),
            remind_minutes_before: c.remind_minutes_before.unwrap_or(before.remind_minutes_before),
        };
        let kind: TaskKind = row.kind.parse().map_err(|e| RepoError::Corrupt(format!("{e}")))?;
        check_times(kind, &times)?;
        let done_at = match c.done {
            Some(true) => row.done_at.or(Some(naive(now))),
            Some(false) => None,
            None => row.done_at,
        };
        let n = diesel::update(t::table.filter(t::id.eq(id)).filter(t::version.eq(row.version)))
            .set((
                t::title.eq(c.title.unwrap_or(row.title)),
                t::notes.eq(c.notes.unwrap_or(row.notes)),
                t::location.eq(c.location.unwrap_or(row.location)),
                t::assignee_id.eq(c.assignee_id.unwrap_or(row.assignee_id)),
                t::due_at.eq(times.due_at.map(naive)),
                t::starts_at.eq(times.starts_at.map(naive)),
                t::ends_at.eq(times.ends_at.map(naive)),
                t::remind_minutes_before.eq(times.remind_minutes_before),
                t::done_at.eq(done_at),
                t::version.eq(t::version + 1),
                t::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(TaskError::Repo(RepoError::Stale));
        }
        if times.due_at != before.due_at {
            // a new due time is announced again when it comes
            diesel::update(t::table.find(id))
                .set(t::due_announced_at.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        Ok(t::table.find(id).select(TaskRow::as_select()).first(conn)?)
    })
}

/// Deletes a task (soft).
pub fn delete(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<()> {
    by.acting(conn, |conn, actor| {
        find_visible(conn, actor.scope, id)?.ok_or(TaskError::NotFound)?;
        diesel::update(t::table.find(id))
            .set((t::deleted_at.eq(Some(naive(now))), t::updated_at.eq(naive(now))))
            .execute(conn)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: Option<String>,
    pub done: Option<bool>,
    /// Due (or starting) before this time.
    pub before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// The live tasks `scope` may see, by id, after `after`.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &TaskFilter,
    after: Option<i64>,
    limit: u32,
) -> std::result::Result<Vec<TaskRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(t::table.filter(t::deleted_at.is_null()).into_boxed(), scope);
    if let Some(a) = f.assignee_id {
        q = q.filter(t::assignee_id.eq(a));
    }
    if let Some(c) = f.customer_id {
        q = q.filter(t::customer_id.eq(c));
    }
    if let Some(k) = &f.kind {
        q = q.filter(t::kind.eq(k.clone()));
    }
    match f.done {
        Some(true) => q = q.filter(t::done_at.is_not_null()),
        Some(false) => q = q.filter(t::done_at.is_null()),
        None => {}
    }
    if let Some(b) = f.before {
        q = q.filter(t::due_at.lt(naive(b)).or(t::starts_at.lt(naive(b))));
    }
    if let Some(u) = f.updated_since {
        q = q.filter(t::updated_at.ge(naive(u)));
    }
    if let Some(a) = after {
        q = q.filter(t::id.gt(a));
    }
    Ok(q.order(t::id.asc())
        .limit(i64::from(limit))
        .select(TaskRow::as_select())
        .load(conn)?)
}

/// One user's tasks due and appointments overlapping `[from, to)`, in time order.
pub fn calendar(
    conn: &mut DbConn,
    user_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> std::result::Result<Vec<TaskRow>, RepoError> {
    let (from, to) = (naive(from), naive(to));
    let mut rows: Vec<TaskRow> = t::table
        .filter(t::assignee_id.eq(user_id))
        .filter(t::deleted_at.is_null())
        .filter(
            t::due_at
                .ge(from)
                .and(t::due_at.lt(to))
                .or(t::starts_at.lt(to).and(t::ends_at.gt(from))),
        )
        .select(TaskRow::as_select())
        .limit(2000)
        .load(conn)?;
    rows.sort_by_key(|r| (r.due_at.or(r.starts_at), r.id));
    Ok(rows)
}

/// The task each of these activities' next actions became.
pub fn of_activities(
    conn: &mut DbConn,
    ids: &[i64],
) -> std::result::Result<std::collections::HashMap<i64, i64>, RepoError> {
    let rows: Vec<(Option<i64>, i64)> = t::table
        .filter(t::activity_id.eq_any(ids.to_vec()))
        .select((t::activity_id, t::id))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(a, id)| a.map(|a| (a, id))).collect())
}
