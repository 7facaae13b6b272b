//! `GET /reports/kpis`: process KPIs per rep and in total for a period, and
//! the daily activity targets they are measured against
//! (`/settings/activity-targets`).

use actix_web::{HttpResponse, get, put, web};
use domain::reports::kpi::{self as rules, ActivityTargets, Kpi};
use domain::vocabulary::FieldCode;
use persistence::reports::kpi;
use persistence::{now_utc, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::PeriodDto;
use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, Query, double_option};
use crate::state::AppState;

/// Daily activity targets per rep (per working day, Monday to Friday); `null`: none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityTargetsDto {
    #[schema(example = 4, maximum = 1000)]
    pub visits_per_day: Option<u32>,
    #[schema(example = 30, maximum = 1000)]
    pub calls_per_day: Option<u32>,
}

impl From<ActivityTargets> for ActivityTargetsDto {
    fn from(t: ActivityTargets) -> Self {
        ActivityTargetsDto {
            visits_per_day: t.visits_per_day,
            calls_per_day: t.calls_per_day,
        }
    }
}

/// Targets to change: absent fields stay; `null` removes a target.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeActivityTargets {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, maximum = 1000)]
    pub visits_per_day: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, maximum = 1000)]
    pub calls_per_day: Option<Option<u32>>,
}

/// The daily activity targets.
#[utoipa::path(
    tag = "reports",
    responses((status = 200, body = ActivityTargetsDto), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/settings/activity-targets")]
pub async fn get_activity_targets(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let t = state.read(|conn| Ok(kpi::targets(conn)?)).await?;
    Ok(HttpResponse::Ok().json(ActivityTargetsDto::from(t)))
}

/// Changes the daily activity targets (admin).
#[utoipa::path(
    tag = "reports",
    request_body = ChangeActivityTargets,
    responses(
        (status = 200, body = ActivityTargetsDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/activity-targets")]
pub async fn put_activity_targets(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<ChangeActivityTargets>,
) -> Result<HttpResponse, ApiError> {
    let change = body.0;
    let t = state
        .write(move |conn| {
            let mut t = kpi::targets(conn)?;
            t.visits_per_day = change.visits_per_day.unwrap_or(t.visits_per_day);
            t.calls_per_day = change.calls_per_day.unwrap_or(t.calls_per_day);
            let bad = t.check();
            if !bad.is_empty() {
                return Err(ApiError::validation(
                    bad.into_iter()
                        .map(|f| FieldError::new(f, FieldCode::Range, "at most 1000 a day"))
                        .collect(),
                ));
            }
            kpi::set_targets(conn, &t, admin.0.id, now_utc())?;
            Ok(t)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActivityTargetsDto::from(t)))
}

super::team_query!(KpiQuery {});

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiRow {
    /// Null on the total row.
    pub user_id: Option<i64>,
    pub name: String,
    pub calls: u64,
    pub visits: u64,
    pub calls_per_day: f64,
    pub visits_per_day: f64,
    /// Against the daily targets over the working days so far, in basis points.
    pub calls_completion_bp: Option<u32>,
    pub visits_completion_bp: Option<u32>,
    /// Customers the rep created in the period.
    pub new_customers: u64,
    /// Customers visited in the period with the key person met.
    pub effective_customers: u64,
    /// Live customers owned now.
    pub held: u64,
    /// B or C customers made A in the period.
    pub upgrades_to_a: u64,
    /// Leads due for first contact in the period, and contacted in time.
    pub sla_due: u64,
    pub sla_kept: u64,
    pub sla_kept_bp: Option<u32>,
}

fn row(user_id: Option<i64>, name: String, k: Kpi) -> KpiRow {
    KpiRow {
        user_id,
        name,
        calls: k.facts.calls,
        visits: k.facts.visits,
        calls_per_day: k.calls_per_day,
        visits_per_day: k.visits_per_day,
        calls_completion_bp: k.calls_completion_bp,
        visits_completion_bp: k.visits_completion_bp,
        new_customers: k.facts.new_customers,
        effective_customers: k.facts.effective_customers,
        held: k.facts.held,
        upgrades_to_a: k.facts.upgrades_to_a,
        sla_due: k.facts.sla_due,
        sla_kept: k.facts.sla_kept,
        sla_kept_bp: k.sla_kept_bp,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiReport {
    pub period: PeriodDto,
    /// Monday to Friday of the period so far.
    pub working_days: u32,
    pub targets: ActivityTargetsDto,
    pub rows: Vec<KpiRow>,
    /// All rows together; per-day figures and completion are per rep on average.
    pub total: KpiRow,
}

/// Process KPIs for a period: an admin sees every rep, a manager their
/// department subtree, a rep themselves.
#[utoipa::path(
    tag = "reports",
    params(KpiQuery),
    responses(
        (status = 200, body = KpiReport),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/kpis")]
pub async fn kpi_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let period = q.period();
    let report = state
        .report(move |conn| {
            let tz = settings::zone(conn)?;
            let today = domain::calendar::today(now_utc(), tz);
            let dates = period.dates(today)?;
            let targets = kpi::targets(conn)?;
            let reps = super::team_reps(conn, &user.principal(), q.department_id)?;
            let ids: Vec<i64> = reps.iter().map(|r| r.id).collect();
            let facts = kpi::facts(conn, &ids, dates.instants(tz))?;
            let days = rules::working_days(dates, today);
            let total_facts = rules::total(&facts);
            let people = u32::try_from(facts.len()).unwrap_or(u32::MAX).max(1);
            let rows = facts
                .into_iter()
                .map(|f| {
                    let name = reps
                        .iter()
                        .find(|r| r.id == f.user_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    row(Some(f.user_id), name, rules::kpi(f, days, targets))
                })
                .collect();
            // the total's per-day figures are per rep: the days of everyone counted
            let total = row(
                None,
                "total".to_owned(),
                rules::kpi(total_facts, days * people, targets),
            );
            Ok(KpiReport {
                period: PeriodDto::of(dates, tz),
                working_days: days,
                targets: targets.into(),
                rows,
                total,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
