//! `GET /reports/funnel`: cohort conversion per stage, time in stage,
//! win rate, cycle, velocity and close rate by negotiation rounds.

use actix_web::{HttpResponse, get, web};
use domain::reports::funnel::{RoundsFigures, StageFigures};
use domain::vocabulary::FieldCode;
use persistence::reports::{self, FunnelError};
use persistence::{contracts, now_utc, settings};
use serde::Serialize;
use utoipa::ToSchema;

use super::PeriodDto;
use crate::caller::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Query;
use crate::state::AppState;
use domain::money::MoneyTotal;

super::report_query!(FunnelQuery {
    /// Default: the default pipeline.
    pipeline_id: Option<i64>,
    /// The stage whose activities count as negotiation rounds; default the last open stage.
    negotiation_stage_id: Option<i64>,
});

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelStage {
    pub stage_id: i64,
    pub name: String,
    /// open or won.
    pub kind: String,
    pub probability: i32,
    /// Deals that entered the stage in the period, each once.
    pub entered: u64,
    /// Of those, deals that reached a later stage or won since.
    pub advanced: u64,
    /// advanced / entered in basis points (10000 = 100 %); null when none entered or for won.
    pub conversion_bp: Option<u32>,
    pub target_conversion_bp: Option<i32>,
    /// The conversion is below the stage's target.
    pub below_target: bool,
    /// Open deals in the stage now.
    pub open_count: u64,
    pub open_amount: MoneyTotal,
    /// Open amount x the stage's probability.
    pub weighted_amount: MoneyTotal,
    /// Stays in the stage that ended in the period, and their median and mean length in days.
    pub stays: u64,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundsRow {
    /// Activities logged while in the negotiation stage (the last row: this many or more).
    pub rounds: u32,
    pub closed: u64,
    pub won: u64,
    pub close_rate_bp: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelReport {
    pub period: PeriodDto,
    pub pipeline_id: i64,
    pub stages: Vec<FunnelStage>,
    /// Deals won and lost in the period.
    pub won: u64,
    pub lost: u64,
    pub won_amount: MoneyTotal,
    /// won / (won + lost) in basis points.
    pub win_rate_bp: Option<u32>,
    /// Mean days from creation to winning, of the deals won in the period.
    pub average_cycle_days: Option<f64>,
    /// Open deals now.
    pub open_deals: u64,
    /// open deals x average won amount x win rate / average cycle days: expected revenue per day.
    pub velocity_per_day: Option<MoneyTotal>,
    pub negotiation_stage_id: Option<i64>,
    pub by_negotiation_rounds: Vec<RoundsRow>,
}

/// The sales funnel (销售漏斗) of a pipeline over a period, in the caller's
/// scope. Amounts are in the organisation's currency; deals in another
/// currency count but add nothing to the sums.
#[utoipa::path(
    tag = "reports",
    params(FunnelQuery),
    responses(
        (status = 200, body = FunnelReport),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/funnel")]
pub async fn funnel_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<FunnelQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let (period, filter) = (query.period(), query.filter());
    let report = state
        .report_split(move |conn, helper| {
            let tz = settings::zone(conn)?;
            let dates = period.dates(domain::calendar::today(now_utc(), tz))?;
            let (from, to) = dates.instants(tz);
            let currency = contracts::policy(conn)?.currency;
            let question = reports::FunnelQuery {
                pipeline: query.pipeline_id,
                negotiation: query.negotiation_stage_id,
                filter,
            };
            let reports::FunnelAnswer {
                pipeline_id,
                stages,
                negotiation,
                funnel: f,
            } = reports::funnel(conn, helper, &user.principal(), &question, &currency, (from, to)).map_err(
                |e| match e {
                    FunnelError::NoPipeline => ApiError::validation(vec![FieldError::new(
                        "pipeline_id",
                        FieldCode::NotFound,
                        "no such pipeline",
                    )]),
                    FunnelError::NotAStage => ApiError::validation(vec![FieldError::new(
                        "negotiation_stage_id",
                        FieldCode::NotFound,
                        "not a stage of this pipeline",
                    )]),
                    FunnelError::Repo(e) => e.into(),
                },
            )?;
            let money = |amount: i64| MoneyTotal::stored(amount, currency.clone());
            let stage_dto = |s: StageFigures| {
                let row = stages.iter().find(|r| r.id == s.stage_id);
                FunnelStage {
                    stage_id: s.stage_id,
                    name: row.map(|r| r.name.clone()).unwrap_or_default(),
                    kind: row.map(|r| r.kind.clone()).unwrap_or_default(),
                    probability: row.map_or(0, |r| r.probability),
                    entered: s.entered,
                    advanced: s.advanced,
                    conversion_bp: s.conversion_bp,
                    target_conversion_bp: row.and_then(|r| r.target_conversion_bp),
                    below_target: s.below_target,
                    open_count: s.open_count,
                    open_amount: money(s.open_amount),
                    weighted_amount: money(s.weighted_amount),
                    stays: s.stays,
                    median_days: s.median_days,
                    mean_days: s.mean_days,
                }
            };
            Ok(FunnelReport {
                period: PeriodDto::of(dates, tz),
                pipeline_id,
                stages: f.stages.into_iter().map(stage_dto).collect(),
                won: f.won,
                lost: f.lost,
                won_amount: money(f.won_amount),
                win_rate_bp: f.win_rate_bp,
                average_cycle_days: f.average_cycle_days,
                open_deals: f.open_deals,
                velocity_per_day: f.velocity_per_day.map(money),
                negotiation_stage_id: negotiation,
                by_negotiation_rounds: f
                    .by_negotiation_rounds
                    .into_iter()
                    .map(|r: RoundsFigures| RoundsRow {
                        rounds: r.rounds,
                        closed: r.closed,
                        won: r.won,
                        close_rate_bp: r.close_rate_bp,
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
