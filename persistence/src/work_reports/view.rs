//! Work reports as the routes answer them, each in one call: the row, its
//! figures (frozen at submission, rebuilt from the records for a draft) and
//! its comments.

use chrono::{DateTime, NaiveDate, Utc};
use domain::reports::work::WorkFigures;
use domain::vocabulary::WorkReportKind;

use super::{CommentRow, Result, Words, WorkReportError, WorkReportRow};
use crate::scope::Principal;
use crate::{DbConn, RepoError, settings};

/// A work report with its figures and comments.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub row: WorkReportRow,
    pub figures: WorkFigures,
    pub comments: Vec<CommentRow>,
}

/// The figures and comments of a report read or written.
pub fn complete(conn: &mut DbConn, row: WorkReportRow) -> std::result::Result<ReportView, RepoError> {
    let figures = match row.frozen()? {
        Some(f) => f,
        None => {
            let tz = settings::zone(conn)?;
            super::figures::build(conn, row.user_id, row.dates(), row.dates().instants(tz))?
        }
    };
    let comments = super::comments_of(conn, row.id)?;
    Ok(ReportView { row, figures, comments })
}

/// Starts the caller's report of `kind` for the period holding `day`
/// (default: today in the organisation's time zone).
pub fn start(
    conn: &mut DbConn,
    user: i64,
    kind: WorkReportKind,
    day: Option<NaiveDate>,
    words: Words,
    now: DateTime<Utc>,
) -> Result<ReportView> {
    let day = settings::day_or_today(conn, day, now)?;
    let dates = domain::reports::work::period(kind, day);
    let row = super::create(conn, user, kind, dates, words, now)?;
    Ok(complete(conn, row)?)
}

/// A report in the caller's scope.
pub fn view(conn: &mut DbConn, by: &Principal, id: i64) -> Result<ReportView> {
    let scope = by.scope(conn)?;
    let row = super::find_visible(conn, &scope, id)?.ok_or(WorkReportError::NotFound)?;
    Ok(complete(conn, row)?)
}

/// Submits the caller's own draft: its figures are frozen as they are now.
pub fn hand_in(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<ReportView> {
    let scope = by.scope(conn)?;
    let tz = settings::zone(conn)?;
    let row = super::find_visible(conn, &scope, id)?.ok_or(WorkReportError::NotFound)?;
    let row = super::submit(conn, &scope, by.user_id, row.id, row.dates().instants(tz), now)?;
    Ok(complete(conn, row)?)
}

/// Changes the words of the caller's own draft.
pub fn revise(conn: &mut DbConn, by: &Principal, id: i64, words: Words, now: DateTime<Utc>) -> Result<ReportView> {
    let scope = by.scope(conn)?;
    let row = super::update(conn, &scope, by.user_id, id, words, now)?;
    Ok(complete(conn, row)?)
}
