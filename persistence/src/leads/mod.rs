//! Leads, their assignment rules, round-robin cursors, web forms, form
//! submissions and the activities that mark first contact.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::scope::DataScope;

use crate::conn::MultiBackend;
use crate::schema::{leads, users};
use crate::scope::Reach;
use crate::{DbConn, RepoError, naive};

mod convert;
mod dedup;
mod forms;
mod importing;
mod intake;
mod manage;
mod rules;
mod submit;

pub use convert::*;
pub use dedup::*;
pub use forms::*;
pub use importing::{CheckedLead, LeadRowOutcome, import_rows};
pub use intake::*;
pub use manage::{Entering, LeadError, LeadView, assign, edit, enter};
pub use rules::*;
pub use submit::{Submission, SubmitError, Taken, submit};

/// Statuses in which a lead still needs work.
pub const OPEN: [&str; 3] = ["new", "contacted", "qualified"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub company_key: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    pub raw_payload: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub disqualify_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub assigned_at: Option<NaiveDateTime>,
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub duplicate_of_lead_id: Option<i64>,
    pub duplicate_of_customer_id: Option<i64>,
    pub converted_customer_id: Option<i64>,
    pub converted_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every `None` is stored as NULL (no column here has another default), so
/// SQLite can take many rows in one INSERT and PostgreSQL a batch in one COPY.
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = leads, treat_none_as_default_value = false)]
pub struct NewLeadRow {
    /// 0 until [`intake`] gives the lead an id from [`reserve_ids`].
    pub id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub company_key: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    pub raw_payload: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
    pub assigned_at: Option<NaiveDateTime>,
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub duplicate_of_lead_id: Option<i64>,
    pub duplicate_of_customer_id: Option<i64>,
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = leads)]
pub struct LeadChangeset {
    pub person_name: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub status: Option<String>,
    pub disqualify_reason: Option<Option<String>>,
    pub owner_id: Option<Option<i64>>,
    pub assigned_at: Option<Option<NaiveDateTime>>,
    pub assigned_by_rule: Option<Option<i64>>,
    pub first_contact_due_at: Option<Option<NaiveDateTime>>,
    pub first_contacted_at: Option<Option<NaiveDateTime>>,
    pub converted_customer_id: Option<Option<i64>>,
    pub converted_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    /// Only leads in the unassigned queue.
    pub unassigned: bool,
    /// Only open leads whose first contact is overdue at `now`.
    pub overdue: bool,
    pub source: Option<String>,
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// One custom field's value: the field id and the filter.
    pub custom: Option<(i64, domain::custom_fields::Filter)>,
}

type Boxed<'a> = leads::BoxedQuery<'a, MultiBackend>;

/// Leads a scope may see: admin all; manager the queue and leads owned in the
/// subtree; rep their own.
fn scoped<'a>(q: Boxed<'a>, scope: &DataScope) -> Boxed<'a> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            leads::owner_id
                .is_null()
                .or(leads::owner_id.eq(*user_id))
                .or(leads::owner_id.eq_any(
                    users::table
                        .filter(users::department_id.eq_any(departments.clone()))
                        .select(users::id.nullable()),
                )),
        ),
        DataScope::Own { user_id } => q.filter(leads::owner_id.eq(*user_id)),
    }
}

/// Rows per multi-row INSERT on SQLite (26 columns each, far below its
/// 32,766 parameters).
const SQLITE_INSERT_CHUNK: usize = 500;

/// `n` fresh lead ids, so a batch can link its own repeats before it is
/// stored in a few statements: on PostgreSQL taken from the identity sequence; on
/// SQLite the ids after the highest one, which nobody else can take while
/// this transaction holds the database's one writer lock (`BEGIN
/// IMMEDIATE`; were it not held, the INSERTs would fail on the primary key,
/// never store a lead twice).
pub fn reserve_ids(conn: &mut DbConn, n: usize) -> Result<Vec<i64>, RepoError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let c = match conn {
        DbConn::Pg(c) => c,
        DbConn::Sqlite(c) => {
            let top: Option<i64> = leads::table.select(diesel::dsl::max(leads::id)).first(c)?;
            let top = top.unwrap_or(0);
            return Ok((1..=count).map(|i| top + i).collect());
        }
    };
    let ids = diesel::sql_query(
        "SELECT nextval(pg_get_serial_sequence('leads', 'id')) AS id FROM generate_series(1, $1) ORDER BY 1",
    )
    .bind::<diesel::sql_types::BigInt, _>(count)
    .load::<Id>(c)?;
    Ok(ids.into_iter().map(|r| r.id).collect())
}

/// Stores leads whose ids were reserved with [`reserve_ids`]: on SQLite in
/// multi-row INSERTs, on PostgreSQL in one binary COPY.
pub fn insert_reserved(conn: &mut DbConn, rows: &[NewLeadRow]) -> Result<(), RepoError> {
    if rows.iter().any(|r| r.id <= 0) {
        return Err(RepoError::Corrupt("a lead to store has no reserved id".into()));
    }
    match conn {
        DbConn::Pg(c) => {
            diesel::copy_from(leads::table).from_insertable(rows).execute(c)?;
        }
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(SQLITE_INSERT_CHUNK) {
                diesel::insert_into(leads::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<LeadRow, RepoError> {
    Ok(leads::table.find(id).select(LeadRow::as_select()).first(conn)?)
}

pub fn find_visible(conn: &mut DbConn, id: i64, by: &impl Reach) -> Result<Option<LeadRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    Ok(scoped(leads::table.filter(leads::id.eq(id)).into_boxed(), scope)
        .select(LeadRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &LeadChangeset,
    now: DateTime<Utc>,
) -> Result<LeadRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let target = leads::table
        .filter(leads::id.eq(id))
        .filter(leads::version.eq(expected_version.unwrap_or(0)).or(any_version));
    let n = diesel::update(target)
        .set((
            changes,
            leads::version.eq(leads::version + 1),
            leads::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    find(conn, id)
}

pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    filter: &LeadFilter,
    descending: bool,
    after_id: Option<i64>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<LeadRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(leads::table.into_boxed(), scope);
    if let Some(s) = &filter.status {
        q = q.filter(leads::status.eq(s.clone()));
    }
    if let Some(o) = filter.owner_id {
        q = q.filter(leads::owner_id.eq(o));
    }
    if filter.unassigned {
        q = q.filter(leads::owner_id.is_null());
    }
    if filter.overdue {
        q = q
            .filter(leads::status.eq_any(OPEN))
            .filter(leads::first_contacted_at.is_null())
            .filter(leads::first_contact_due_at.lt(naive(now)));
    }
    if let Some(s) = &filter.source {
        q = q.filter(leads::source.eq(s.clone()));
    }
    if let Some(text) = &filter.q {
        let pattern = crate::like_pattern(text);
        q = q.filter(
            crate::lower(leads::company.assume_not_null())
                .like(pattern.clone())
                .escape('\\')
                .or(crate::lower(leads::person_name.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\'))
                .or(leads::email_key.like(pattern).escape('\\')),
        );
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(leads::updated_at.ge(naive(since)));
    }
    if let Some(custom) = &filter.custom {
        q = crate::custom_filter!(q, leads::id, domain::custom_fields::CustomEntity::Lead, custom);
    }
    q = match (after_id, descending) {
        (Some(id), false) => q.filter(leads::id.gt(id)),
        (Some(id), true) => q.filter(leads::id.lt(id)),
        (None, _) => q,
    };
    q = if descending {
        q.order(leads::id.desc())
    } else {
        q.order(leads::id.asc())
    };
    Ok(q.select(LeadRow::as_select()).limit(i64::from(limit)).load(conn)?)
}

/// Open leads of `owner` not yet contacted, the most urgent first.
pub fn awaiting_first_contact(conn: &mut DbConn, owner: i64, limit: i64) -> Result<Vec<LeadRow>, RepoError> {
    Ok(leads::table
        .filter(leads::owner_id.eq(owner))
        .filter(leads::status.eq_any(OPEN))
        .filter(leads::first_contacted_at.is_null())
        .order((leads::first_contact_due_at.asc(), leads::id.asc()))
        .limit(limit)
        .select(LeadRow::as_select())
        .load(conn)?)
}
