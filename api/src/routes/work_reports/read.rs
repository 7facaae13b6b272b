//! Listing work reports, and who has not submitted one.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use domain::vocabulary::WorkReportKind;
use persistence::now_utc;
use persistence::settings;
use persistence::work_reports::{self, WorkReportFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{WorkReportDto, WorkReportKindDto, WorkReportStatusDto, to_dto};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::Query;
use crate::pagination;
use crate::routes::reports::team_reps;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListWorkReportsQuery {
    pub kind: Option<WorkReportKindDto>,
    pub user_id: Option<i64>,
    pub status: Option<WorkReportStatusDto>,
    /// Reports whose period holds this day.
    pub date: Option<NaiveDate>,
    /// At most 200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkReportPage {
    /// Submitted reports carry their frozen figures; drafts none (read one for its live figures).
    pub data: Vec<WorkReportDto>,
    pub next_cursor: Option<String>,
}

/// The work reports the caller may see: their own; a manager's team's; all for an admin.
#[utoipa::path(
    tag = "work-reports",
    params(ListWorkReportsQuery),
    responses(
        (status = 200, body = WorkReportPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/work-reports")]
pub async fn list_work_reports(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListWorkReportsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let filter = WorkReportFilter {
        kind: q.kind.map(Into::into),
        user_id: q.user_id,
        status: q.status.map(Into::into),
        on: q.date,
    };
    let rows = state
        .read(move |conn| Ok(work_reports::list(conn, &user.principal(), &filter, after, limit + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(
        rows,
        limit,
        |r| r.id,
        |r| {
            let frozen = r.frozen()?;
            to_dto(r, frozen, Vec::new())
        },
    )?;
    Ok(HttpResponse::Ok().json(WorkReportPage { data, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MissingQuery {
    pub kind: WorkReportKindDto,
    /// A day inside the period; default today.
    pub date: Option<NaiveDate>,
    /// Only reps of this department and its subtree.
    pub department_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissingRep {
    pub user_id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissingReports {
    pub kind: WorkReportKindDto,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Reps in the caller's reach without a submitted report for the period.
    pub missing: Vec<MissingRep>,
}

/// Who has not submitted a report of a kind for a period, among the reps in
/// the caller's reach (a manager's team; everyone for an admin).
#[utoipa::path(
    tag = "work-reports",
    params(MissingQuery),
    responses(
        (status = 200, body = MissingReports),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/work-reports/missing")]
pub async fn missing_work_reports(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<MissingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let kind: WorkReportKind = q.kind.into();
    let out = state
        .read(move |conn| {
            let day = settings::day_or_today(conn, q.date, now_utc())?;
            let dates = domain::reports::work::period(kind, day);
            let reps = team_reps(conn, &user.principal(), q.department_id)?;
            let ids: Vec<i64> = reps.iter().map(|r| r.id).collect();
            let done = work_reports::submitted_by(conn, &ids, kind, dates.start)?;
            let missing = domain::reports::work::missing(&ids, &done)
                .into_iter()
                .map(|id| MissingRep {
                    user_id: id,
                    name: reps
                        .iter()
                        .find(|r| r.id == id)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                })
                .collect();
            Ok(MissingReports {
                kind: q.kind,
                period_from: dates.start,
                period_to: dates.end.pred_opt().unwrap_or(dates.end),
                missing,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
