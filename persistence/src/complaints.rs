//! Customer complaints (客户投诉) as business operations: record one on a
//! customer, move it along its course (`domain::tasks::step`) with who and
//! when, list them. Visible to whoever sees the customer's owner, the
//! assignee or the author within their scope.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;
use domain::tasks::StepError;
use domain::vocabulary::{ComplaintStatus, Severity};
use serde_json::json;

use crate::conn::MultiBackend;
use crate::customers;
use crate::schema::{complaints as k, contacts, customers as c, users};
use crate::scope::{Principal, Reach};
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = k)]
pub struct ComplaintRow {
    pub id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub subject: String,
    pub content: Option<String>,
    pub severity: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub resolution: Option<String>,
    pub satisfaction: Option<i32>,
    pub created_by: Option<i64>,
    pub handling_at: Option<NaiveDateTime>,
    pub handling_by: Option<i64>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub subject: String,
    pub content: Option<String>,
    pub severity: Severity,
    /// `None`: the customer's owner, or the actor for a pool customer.
    pub assignee_id: Option<i64>,
}

/// A step along the course.
#[derive(Debug, Clone)]
pub struct Step {
    pub to: ComplaintStatus,
    pub resolution: Option<String>,
    pub satisfaction: Option<i32>,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComplaintError {
    #[error("no such record in your scope")]
    NotFound,
    #[error("contact {0} is not a contact of this customer")]
    NoSuchContact(i64),
    #[error("there is no active user {0}")]
    NoSuchAssignee(i64),
    #[error("you may not give work to user {0}")]
    AssigneeNotAllowed(i64),
    #[error("{}", .0.message())]
    Step(StepError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for ComplaintError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use ComplaintError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("complaint"),
            E::NoSuchContact(id) => Refused::field(
                "contact_id",
                FieldCode::NotFound,
                format!("contact {id} is not a contact of this customer"),
            ),
            E::NoSuchAssignee(id) => Refused::field(
                "assignee_id",
                FieldCode::NotFound,
                format!("there is no active user {id}"),
            ),
            E::AssigneeNotAllowed(id) => Refused::forbidden(format!("you may not give work to user {id}")),
            E::Step(s) => Refused::field(s.field(), FieldCode::Transition, s.message()),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for ComplaintError {
    fn from(e: diesel::result::Error) -> Self {
        ComplaintError::Repo(e.into())
    }
}

type Result<T> = std::result::Result<T, ComplaintError>;

fn check_assignee(conn: &mut DbConn, scope: &DataScope, target: i64) -> Result<()> {
    match crate::users::assignable(conn, scope, target)? {
        crate::users::Assignable::Yes => Ok(()),
        crate::users::Assignable::NotAllowed => Err(ComplaintError::AssigneeNotAllowed(target)),
        crate::users::Assignable::NoSuchUser => Err(ComplaintError::NoSuchAssignee(target)),
    }
}

/// Records a complaint on a customer the actor can see.
pub fn create(conn: &mut DbConn, by: &Principal, new: NewComplaint, now: DateTime<Utc>) -> Result<ComplaintRow> {
    by.acting(conn, |conn, actor| {
        let (customer, _) =
            customers::find_visible(conn, new.customer_id, actor.scope, false, now)?.ok_or(ComplaintError::NotFound)?;
        if let Some(contact) = new.contact_id {
            let ok: i64 = contacts::table
                .filter(contacts::id.eq(contact))
                .filter(contacts::customer_id.eq(customer.id))
                .filter(contacts::deleted_at.is_null())
                .count()
                .get_result(conn)?;
            if ok == 0 {
                return Err(ComplaintError::NoSuchContact(contact));
            }
        }
        let assignee = match new.assignee_id {
            Some(a) => {
                check_assignee(conn, actor.scope, a)?;
                a
            }
            None => customer.owner_id.unwrap_or(actor.user_id),
        };
        let id: i64 = diesel::insert_into(k::table)
            .values((
                k::customer_id.eq(customer.id),
                k::contact_id.eq(new.contact_id),
                k::subject.eq(&new.subject),
                k::content.eq(&new.content),
                k::severity.eq(new.severity.as_str()),
                k::status.eq(ComplaintStatus::Open.as_str()),
                k::assignee_id.eq(Some(assignee)),
                k::created_by.eq(Some(actor.user_id)),
                k::created_at.eq(naive(now)),
                k::updated_at.eq(naive(now)),
            ))
            .returning(k::id)
            .get_result(conn)?;
        let detail = json!({ "severity": new.severity.as_str(), "assignee_id": assignee }).to_string();
        audit::record(conn, "complaint", id, "created", Some(actor.user_id), &detail, now)?;
        Ok(k::table.find(id).select(ComplaintRow::as_select()).first(conn)?)
    })
}

type Boxed<'q> = k::BoxedQuery<'q, MultiBackend>;

fn scoped<'q>(q: Boxed<'q>, scope: &DataScope) -> Boxed<'q> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => {
            let team = users::table
                .filter(users::department_id.eq_any(departments.clone()))
                .select(users::id);
            q.filter(
                k::created_by
                    .eq(Some(*user_id))
                    .or(k::assignee_id.eq(Some(*user_id)))
                    .or(k::assignee_id.eq_any(team.clone().select(users::id.nullable())))
                    .or(k::customer_id.eq_any(
                        c::table
                            .filter(c::owner_id.eq_any(team.select(users::id.nullable())))
                            .select(c::id),
                    )),
            )
        }
        DataScope::Own { user_id } => q.filter(
            k::created_by
                .eq(Some(*user_id))
                .or(k::assignee_id.eq(Some(*user_id)))
                .or(k::customer_id.eq_any(c::table.filter(c::owner_id.eq(Some(*user_id))).select(c::id))),
        ),
    }
}

pub fn find_visible(
    conn: &mut DbConn,
    by: &impl Reach,
    id: i64,
) -> std::result::Result<Option<ComplaintRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    Ok(scoped(k::table.filter(k::id.eq(id)).into_boxed(), scope)
        .select(ComplaintRow::as_select())
        .first(conn)
        .optional()?)
}

/// Moves a complaint one step along its course, recording who and when.
pub fn advance(conn: &mut DbConn, by: &Principal, id: i64, step: Step, now: DateTime<Utc>) -> Result<ComplaintRow> {
    by.acting(conn, |conn, actor| {
        let row = find_visible(conn, actor.scope, id)?.ok_or(ComplaintError::NotFound)?;
        let from: ComplaintStatus = row.status.parse().map_err(|e| RepoError::Corrupt(format!("{e}")))?;
        let resolution = step
            .resolution
            .clone()
            .or(row.resolution.clone())
            .filter(|r| !r.trim().is_empty());
        domain::tasks::step(from, step.to, resolution.is_some(), step.satisfaction).map_err(ComplaintError::Step)?;
        if let Some(a) = step.assignee_id {
            check_assignee(conn, actor.scope, a)?;
        }
        let (at, by) = (Some(naive(now)), Some(actor.user_id));
        let mut changed = (
            row.handling_at,
            row.handling_by,
            row.resolved_at,
            row.resolved_by,
            row.closed_at,
            row.closed_by,
        );
        match step.to {
            ComplaintStatus::Handling => (changed.0, changed.1) = (at, by),
            ComplaintStatus::Resolved => (changed.2, changed.3) = (at, by),
            ComplaintStatus::Closed => (changed.4, changed.5) = (at, by),
            ComplaintStatus::Open => {}
        }
        let n = diesel::update(k::table.filter(k::id.eq(id)).filter(k::version.eq(row.version)))
            .set((
                k::status.eq(step.to.as_str()),
                k::resolution.eq(&resolution),
                k::satisfaction.eq(step.satisfaction.or(row.satisfaction)),
                k::assignee_id.eq(step.assignee_id.or(row.assignee_id)),
                k::handling_at.eq(changed.0),
                k::handling_by.eq(changed.1),
                k::resolved_at.eq(changed.2),
                k::resolved_by.eq(changed.3),
                k::closed_at.eq(changed.4),
                k::closed_by.eq(changed.5),
                k::version.eq(k::version + 1),
                k::updated_at.eq(naive(now)),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(ComplaintError::Repo(RepoError::Stale));
        }
        let detail = json!({ "status": [row.status, step.to.as_str()] }).to_string();
        audit::record(conn, "complaint", id, "moved", Some(actor.user_id), &detail, now)?;
        Ok(k::table.find(id).select(ComplaintRow::as_select()).first(conn)?)
    })
}

#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Only open, handling or resolved ones (not closed).
    pub unclosed: bool,
}

/// The complaints `scope` may see, by id, after `after`.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &ComplaintFilter,
    after: Option<i64>,
    limit: u32,
) -> std::result::Result<Vec<ComplaintRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(k::table.into_boxed(), scope);
    if let Some(s) = &f.status {
        q = q.filter(k::status.eq(s.clone()));
    }
    if let Some(s) = &f.severity {
        q = q.filter(k::severity.eq(s.clone()));
    }
    if let Some(a) = f.assignee_id {
        q = q.filter(k::assignee_id.eq(a));
    }
    if let Some(cid) = f.customer_id {
        q = q.filter(k::customer_id.eq(cid));
    }
    if f.unclosed {
        q = q.filter(k::status.ne(ComplaintStatus::Closed.as_str()));
    }
    if let Some(a) = after {
        q = q.filter(k::id.gt(a));
    }
    Ok(q.order(k::id.asc())
        .limit(i64::from(limit))
        .select(ComplaintRow::as_select())
        .load(conn)?)
}
