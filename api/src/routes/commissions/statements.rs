//! Monthly statements in the caller's reach, their approval, and a CSV.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::commissions::StatementBody;
use domain::money::{Money, MoneyTotal, SignedTotal};
use domain::vocabulary::FieldCode;
use persistence::commissions::{self, StatementRow};
use persistence::{DbConn, contracts, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::BaseDto;
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::routes::reports::{managed_reps, team_reps};
use crate::state::AppState;

pub(super) fn month_of(raw: &str) -> Result<NaiveDate, ApiError> {
    domain::calendar::parse_month(raw).map_err(|e| match e {
        domain::calendar::MonthError::Format => {
            ApiError::invalid_field("month", FieldCode::Format, "a month as YYYY-MM")
        }
        domain::calendar::MonthError::Range => {
            ApiError::invalid_field("month", FieldCode::Range, "a month from 1900-01 to 2199-12")
        }
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    #[param(example = "2026-11", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Only reps of this department and its subtree.
    pub department_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LineDto {
    /// contract or payment.
    pub kind: String,
    pub id: i64,
    /// The contract's number.
    pub reference: String,
    pub date: NaiveDate,
    pub amount: Money,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardLineDto {
    pub id: i64,
    /// award or penalty.
    pub kind: String,
    pub reason: String,
    pub amount: Option<Money>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdjustmentDto {
    /// The approved month that changed since.
    pub month: String,
    /// Below zero where the month now earns less than was paid for it.
    pub amount: SignedTotal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatementDto {
    pub user_id: i64,
    pub name: String,
    pub month: String,
    /// open (computed now) or approved (frozen).
    pub status: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub plan_id: Option<i64>,
    pub plan_name: Option<String>,
    pub base: Option<BaseDto>,
    pub target: Option<MoneyTotal>,
    pub actual: MoneyTotal,
    pub attainment_bp: Option<i64>,
    /// The tier the actual reached (0-based).
    pub tier: usize,
    pub commission: MoneyTotal,
    pub bonus: MoneyTotal,
    /// Each contract or payment that counted.
    pub lines: Vec<LineDto>,
    /// Awards (+) and penalties (-) of the month.
    pub awards: Vec<AwardLineDto>,
    /// Changes to earlier approved months, paid (or taken back) here.
    pub adjustments: Vec<AdjustmentDto>,
    /// Below zero where penalties or adjustments exceed the month's earnings.
    pub total: SignedTotal,
}

fn dto(user_id: i64, name: String, b: StatementBody, frozen: Option<StatementRow>, currency: &str) -> StatementDto {
    let money = |amount: i64| Money::stored(amount, currency.to_owned());
    let sum = |amount: i64| MoneyTotal::stored(amount, currency.to_owned());
    let signed = |amount: i64| SignedTotal::stored(amount, currency.to_owned());
    StatementDto {
        user_id,
        name,
        status: if frozen.is_some() { "approved" } else { "open" }.to_owned(),
        approved_at: frozen.map(|r| r.approved_at.and_utc()),
        plan_id: b.plan_id,
        plan_name: b.plan_name,
        base: b.base.map(BaseDto::from),
        target: b.target.map(sum),
        actual: sum(b.actual),
        attainment_bp: b.attainment_bp,
        tier: b.tier,
        commission: sum(b.commission),
        bonus: sum(b.bonus),
        lines: b
            .lines
            .into_iter()
            .map(|l| LineDto {
                kind: l.kind,
                id: l.id,
                reference: l.reference,
                date: l.date,
                amount: money(l.amount),
            })
            .collect(),
        awards: b
            .awards
            .into_iter()
            .map(|a| AwardLineDto {
                id: a.id,
                kind: a.kind,
                reason: a.reason,
                amount: a.amount.map(money),
            })
            .collect(),
        adjustments: b
            .adjustments
            .into_iter()
            .map(|a| AdjustmentDto {
                month: a.month,
                amount: signed(a.amount),
            })
            .collect(),
        total: signed(b.total),
        month: b.month,
    }
}

/// The statements of the reps in the caller's reach for `month`.
fn load(
    conn: &mut DbConn,
    user: &AuthUser,
    month: NaiveDate,
    department: Option<i64>,
) -> Result<Vec<StatementDto>, ApiError> {
    let currency = contracts::policy(conn)?.currency;
    let reps = team_reps(conn, &user.principal(), department)?;
    let mut out = Vec::with_capacity(reps.len());
    for r in reps {
        let (body, frozen) = commissions::statement(conn, r.id, month)?;
        out.push(dto(r.id, r.name, body, frozen, &currency));
    }
    Ok(out)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Statements {
    pub month: String,
    pub statements: Vec<StatementDto>,
}

/// Monthly statements: an admin's shows every rep, a manager's their
/// subtree, a rep's their own.
#[utoipa::path(
    tag = "commissions",
    params(MonthQuery),
    responses(
        (status = 200, body = Statements),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/commissions/statements")]
pub async fn list_statements(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let month = month_of(&q.month)?;
    let statements = state
        .read(move |conn| load(conn, &user, month, q.department_id))
        .await?;
    Ok(HttpResponse::Ok().json(Statements {
        month: q.month.trim().to_owned(),
        statements,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OneMonth {
    /// `YYYY-MM`.
    #[param(example = "2026-11", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// One rep's statement; 404 for a rep outside the caller's reach.
#[utoipa::path(
    tag = "commissions",
    params(("user_id" = i64, Path, description = "The rep"), OneMonth),
    responses(
        (status = 200, body = StatementDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/commissions/statements/{user_id}")]
pub async fn get_statement(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // the path first: `GET .../statements/approve` is 405, not a missing month
    let rep = crate::extract::path_id(&req, "user_id")?;
    let query: OneMonth = crate::extract::parse_query(req.query_string())?;
    let month = month_of(&query.month)?;
    let s = state
        .read(move |conn| {
            let reach = team_reps(conn, &user.principal(), None)?;
            let r = reach
                .into_iter()
                .find(|r| r.id == rep)
                .ok_or_else(|| ApiError::not_found("statement"))?;
            let currency = contracts::policy(conn)?.currency;
            let (body, frozen) = commissions::statement(conn, r.id, month)?;
            Ok(dto(r.id, r.name, body, frozen, &currency))
        })
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveMonth {
    /// `YYYY-MM`.
    #[schema(example = "2026-11", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Only reps of this department and its subtree.
    pub department_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Approved {
    /// Statements frozen now (those approved before stay as they were).
    pub approved: usize,
}

/// Approves a month's statements of the reps in the caller's reach (a
/// manager's subtree, not their own; an admin's everyone): each is frozen,
/// and later changes show as adjustments in a later month.
#[utoipa::path(
    tag = "commissions",
    request_body = ApproveMonth,
    responses(
        (status = 200, body = Approved),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/commissions/statements/approve")]
pub async fn approve_statements(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<ApproveMonth>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let month = month_of(&b.month)?;
    let approved = state
        .write(move |conn| {
            let now = now_utc();
            if !domain::calendar::has_begun(month, persistence::settings::today(conn, now)?) {
                return Err(ApiError::invalid_field(
                    "month",
                    FieldCode::Future,
                    "a month that has begun: its statements are approved once it has",
                ));
            }
            let ids = managed_reps(conn, &user, b.department_id)?;
            Ok(commissions::approve(conn, &ids, month, user.id, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Approved { approved }))
}

fn csv_field(s: &str) -> String {
    // a leading = + - @ would be read as a formula by spreadsheets
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The month's statements as CSV (one row a rep), amounts in minor units.
#[utoipa::path(
    tag = "commissions",
    params(MonthQuery),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/commissions/statements.csv")]
pub async fn statements_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let month = month_of(&q.month)?;
    let rows = state
        .read(move |conn| load(conn, &user, month, q.department_id))
        .await?;
    let mut out = String::from(
        "user_id,name,month,status,plan,target,actual,attainment_bp,tier,commission,bonus,adjustments,total,currency\n",
    );
    for s in rows {
        let adjustments = domain::money::sum(s.adjustments.iter().map(|a| a.amount.amount()));
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            s.user_id,
            csv_field(&s.name),
            s.month,
            s.status,
            csv_field(s.plan_name.as_deref().unwrap_or("")),
            s.target.map(|t| t.amount().to_string()).unwrap_or_default(),
            s.actual.amount(),
            s.attainment_bp.map(|a| a.to_string()).unwrap_or_default(),
            s.tier,
            s.commission.amount(),
            s.bonus.amount(),
            adjustments,
            s.total.amount(),
            s.total.currency(),
        ));
    }
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(out))
}
