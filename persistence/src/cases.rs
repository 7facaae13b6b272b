//! The case library (案例分享): a closed deal written up as a lesson by
//! someone who may see the deal; one per deal; the organisation reads them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::vocabulary::DealStatus;

use crate::schema::cases as k;
use crate::scope::Principal;
use crate::{DbConn, RepoError, audit, naive, opportunities};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = k)]
pub struct CaseRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub outcome: String,
    pub title: String,
    pub lesson: String,
    pub author_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such deal in your scope")]
    NoDeal,
    #[error("the deal is still open: a case is written once it is won or lost")]
    Open,
    #[error("this deal has a case already")]
    Exists { id: i64 },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for CaseError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use CaseError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NoDeal => Refused::field("opportunity_id", FieldCode::NotFound, "no such deal in your scope"),
            E::Open => Refused::field(
                "opportunity_id",
                FieldCode::Open,
                "the deal is still open: a case is written once it is won or lost",
            ),
            E::Exists { id } => Refused::conflict(ErrorCode::CaseExists, "this deal has a case already")
                .with_context(serde_json::json!({ "id": id })),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for CaseError {
    fn from(e: diesel::result::Error) -> Self {
        CaseError::Repo(e.into())
    }
}

fn existing(conn: &mut DbConn, deal: i64) -> Result<Option<i64>, RepoError> {
    Ok(k::table
        .filter(k::opportunity_id.eq(deal))
        .select(k::id)
        .first(conn)
        .optional()?)
}

/// Writes up closed deal `deal` (visible to the author) as a lesson.
pub fn write(
    conn: &mut DbConn,
    by: &Principal,
    deal: i64,
    title: &str,
    lesson: &str,
    now: DateTime<Utc>,
) -> Result<CaseRow, CaseError> {
    let author = by.user_id;
    let d = opportunities::find_visible(conn, deal, by)?.ok_or(CaseError::NoDeal)?;
    let outcome = match d
        .status
        .parse::<DealStatus>()
        .map_err(|e| RepoError::Corrupt(e.to_string()))?
    {
        DealStatus::Won => "won",
        DealStatus::Lost => "lost",
        _ => return Err(CaseError::Open),
    };
    if let Some(id) = existing(conn, deal)? {
        return Err(CaseError::Exists { id });
    }
    let inserted = conn.transaction(|c| {
        diesel::insert_into(k::table)
            .values((
                k::opportunity_id.eq(deal),
                k::outcome.eq(outcome),
                k::title.eq(title),
                k::lesson.eq(lesson),
                k::author_id.eq(author),
                k::created_at.eq(naive(now)),
            ))
            .returning(k::id)
            .get_result::<i64>(c)
    });
    let id = match inserted {
        Ok(id) => id,
        Err(e) => match RepoError::from(e) {
            RepoError::Conflict { .. } => {
                return Err(existing(conn, deal)?.map_or(CaseError::NoDeal, |id| CaseError::Exists { id }));
            }
            other => return Err(other.into()),
        },
    };
    audit::record(conn, "case", id, "written", Some(author), title, now)?;
    Ok(k::table.find(id).select(CaseRow::as_select()).first(conn)?)
}

/// The library by id, optionally one outcome, after id `after` (keyset).
pub fn list(
    conn: &mut DbConn,
    outcome: Option<&str>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<CaseRow>, RepoError> {
    let mut q = k::table.into_boxed();
    if let Some(o) = outcome {
        q = q.filter(k::outcome.eq(o.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(k::id.gt(a));
    }
    Ok(q.order(k::id.asc())
        .limit(i64::from(limit))
        .select(CaseRow::as_select())
        .load(conn)?)
}
