//! Work reports (日报/周报/月报) and their comments: one per rep, kind and
//! period; the figures are rebuilt from the records while a draft is read
//! and frozen when it is submitted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::calendar::Dates;
use domain::reports::work::{WorkFigures, WorkReportRefusal};
use domain::scope::DataScope;
use domain::vocabulary::{WorkReportKind, WorkReportStatus};

use crate::conn::MultiBackend;
use crate::schema::{users, work_report_comments as comments, work_reports as wr};
use crate::scope::Reach;
use crate::{DbConn, RepoError, audit, naive};

pub mod figures;
mod view;

pub use view::{ReportView, complete, hand_in, revise, start, view};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wr)]
pub struct WorkReportRow {
    pub id: i64,
    pub user_id: i64,
    pub department_id: Option<i64>,
    pub kind: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub figures: Option<String>,
    pub summary: Option<String>,
    pub problems: Option<String>,
    pub plan: Option<String>,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WorkReportRow {
    pub fn status(&self) -> std::result::Result<WorkReportStatus, RepoError> {
        self.status.parse().map_err(|e| RepoError::Corrupt(format!("{e}")))
    }

    pub fn dates(&self) -> Dates {
        Dates {
            start: self.period_start,
            end: self.period_end,
        }
    }

    /// The frozen figures of a submitted report.
    pub fn frozen(&self) -> std::result::Result<Option<WorkFigures>, RepoError> {
        self.figures
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| RepoError::Corrupt(format!("unreadable work report figures: {e}")))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i64,
    pub report_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkReportError {
    #[error("no such work report in your scope")]
    NotFound,
    #[error("a {kind} report for this period exists already")]
    Exists { id: i64, kind: &'static str },
    #[error(transparent)]
    Refused(WorkReportRefusal),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<diesel::result::Error> for WorkReportError {
    fn from(e: diesel::result::Error) -> Self {
        WorkReportError::Repo(e.into())
    }
}

pub type Result<T> = std::result::Result<T, WorkReportError>;

/// The rep's words.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub summary: Option<Option<String>>,
    pub problems: Option<Option<String>>,
    pub plan: Option<Option<String>>,
}

type Boxed<'a> = wr::BoxedQuery<'a, MultiBackend>;

fn scoped<'a>(q: Boxed<'a>, scope: &DataScope) -> Boxed<'a> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            wr::user_id
                .eq(*user_id)
                .or(wr::department_id.eq_any(departments.clone())),
        ),
        DataScope::Own { user_id } => q.filter(wr::user_id.eq(*user_id)),
    }
}

pub fn find_visible(
    conn: &mut DbConn,
    scope: &DataScope,
    id: i64,
) -> std::result::Result<Option<WorkReportRow>, RepoError> {
    Ok(scoped(wr::table.filter(wr::id.eq(id)).into_boxed(), scope)
        .select(WorkReportRow::as_select())
        .first(conn)
        .optional()?)
}

fn existing(
    conn: &mut DbConn,
    user: i64,
    kind: WorkReportKind,
    start: NaiveDate,
) -> std::result::Result<Option<i64>, RepoError> {
    Ok(wr::table
        .filter(wr::user_id.eq(user))
        .filter(wr::kind.eq(kind.as_str()))
        .filter(wr::period_start.eq(start))
        .select(wr::id)
        .first(conn)
        .optional()?)
}

/// Starts `user`'s report of `kind` for `dates` as a draft; one per period
/// (a race is answered by the unique index, inside a savepoint).
pub fn create(
    conn: &mut DbConn,
    user: i64,
    kind: WorkReportKind,
    dates: Dates,
    words: Words,
    now: DateTime<Utc>,
) -> Result<WorkReportRow> {
    let exists = |id| WorkReportError::Exists {
        id,
        kind: kind.as_str(),
    };
    if let Some(id) = existing(conn, user, kind, dates.start)? {
        return Err(exists(id));
    }
    let department: Option<i64> = users::table.find(user).select(users::department_id).first(conn)?;
    let inserted = conn.transaction(|c| {
        diesel::insert_into(wr::table)
            .values((
                wr::user_id.eq(user),
                wr::department_id.eq(department),
                wr::kind.eq(kind.as_str()),
                wr::period_start.eq(dates.start),
                wr::period_end.eq(dates.end),
                wr::summary.eq(words.summary.flatten()),
                wr::problems.eq(words.problems.flatten()),
                wr::plan.eq(words.plan.flatten()),
                wr::status.eq(WorkReportStatus::Draft.as_str()),
                wr::created_at.eq(naive(now)),
                wr::updated_at.eq(naive(now)),
            ))
            .returning(wr::id)
            .get_result::<i64>(c)
    });
    let id = match inserted {
        Ok(id) => id,
        Err(e) => match RepoError::from(e) {
            RepoError::Conflict { .. } => {
                return Err(existing(conn, user, kind, dates.start)?.map_or(WorkReportError::NotFound, exists));
            }
            other => return Err(other.into()),
        },
    };
    Ok(wr::table.find(id).select(WorkReportRow::as_select()).first(conn)?)
}

fn editable(conn: &mut DbConn, scope: &DataScope, me: i64, id: i64) -> Result<WorkReportRow> {
    let row = find_visible(conn, scope, id)?.ok_or(WorkReportError::NotFound)?;
    domain::reports::work::may_edit(me, row.user_id, row.status()?).map_err(WorkReportError::Refused)?;
    Ok(row)
}

/// Changes the rep's words of a draft.
pub fn update(
    conn: &mut DbConn,
    scope: &DataScope,
    me: i64,
    id: i64,
    words: Words,
    now: DateTime<Utc>,
) -> Result<WorkReportRow> {
    let row = editable(conn, scope, me, id)?;
    diesel::update(wr::table.find(id))
        .set((
            wr::summary.eq(words.summary.unwrap_or(row.summary)),
            wr::problems.eq(words.problems.unwrap_or(row.problems)),
            wr::plan.eq(words.plan.unwrap_or(row.plan)),
            wr::version.eq(wr::version + 1),
            wr::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(wr::table.find(id).select(WorkReportRow::as_select()).first(conn)?)
}

/// Submits a draft: its figures are built now and frozen.
pub fn submit(
    conn: &mut DbConn,
    scope: &DataScope,
    me: i64,
    id: i64,
    instants: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<WorkReportRow> {
    let row = editable(conn, scope, me, id)?;
    let figures = figures::build(conn, row.user_id, row.dates(), instants)?;
    let json = serde_json::to_string(&figures).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    diesel::update(wr::table.find(id))
        .set((
            wr::figures.eq(Some(json)),
            wr::status.eq(WorkReportStatus::Submitted.as_str()),
            wr::submitted_at.eq(Some(naive(now))),
            wr::version.eq(wr::version + 1),
            wr::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    audit::record(conn, "work_report", id, "submitted", Some(me), "{}", now)?;
    Ok(wr::table.find(id).select(WorkReportRow::as_select()).first(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct WorkReportFilter {
    pub kind: Option<WorkReportKind>,
    pub user_id: Option<i64>,
    pub status: Option<WorkReportStatus>,
    /// Reports whose period holds this day.
    pub on: Option<NaiveDate>,
}

/// Reports the caller may see, by id, after `after`.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    f: &WorkReportFilter,
    after: Option<i64>,
    limit: u32,
) -> std::result::Result<Vec<WorkReportRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(wr::table.into_boxed(), scope);
    if let Some(a) = after {
        q = q.filter(wr::id.gt(a));
    }
    if let Some(k) = f.kind {
        q = q.filter(wr::kind.eq(k.as_str()));
    }
    if let Some(u) = f.user_id {
        q = q.filter(wr::user_id.eq(u));
    }
    if let Some(s) = f.status {
        q = q.filter(wr::status.eq(s.as_str()));
    }
    if let Some(d) = f.on {
        q = q.filter(wr::period_start.le(d)).filter(wr::period_end.gt(d));
    }
    Ok(q.order(wr::id.asc())
        .limit(i64::from(limit))
        .select(WorkReportRow::as_select())
        .load(conn)?)
}

/// Of `team`, who has submitted a report of `kind` for the period starting `start`.
pub fn submitted_by(
    conn: &mut DbConn,
    team: &[i64],
    kind: WorkReportKind,
    start: NaiveDate,
) -> std::result::Result<Vec<i64>, RepoError> {
    Ok(wr::table
        .filter(wr::user_id.eq_any(team))
        .filter(wr::kind.eq(kind.as_str()))
        .filter(wr::period_start.eq(start))
        .filter(wr::status.eq(WorkReportStatus::Submitted.as_str()))
        .select(wr::user_id)
        .load(conn)?)
}

/// Adds a comment to a report the caller may see.
pub fn comment(
    conn: &mut DbConn,
    by: &impl Reach,
    me: i64,
    id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<CommentRow> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    find_visible(conn, scope, id)?.ok_or(WorkReportError::NotFound)?;
    let cid: i64 = diesel::insert_into(comments::table)
        .values((
            comments::report_id.eq(id),
            comments::author_id.eq(me),
            comments::body.eq(body),
            comments::created_at.eq(naive(now)),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    Ok(comments::table.find(cid).select(CommentRow::as_select()).first(conn)?)
}

pub fn comments_of(conn: &mut DbConn, id: i64) -> std::result::Result<Vec<CommentRow>, RepoError> {
    Ok(comments::table
        .filter(comments::report_id.eq(id))
        .order(comments::id.asc())
        .select(CommentRow::as_select())
        .load(conn)?)
}
