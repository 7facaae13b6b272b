//! Competitors (#41 item 5): the admin's catalogue, the competitors in play
//! on a deal (their offer, our position), and the win/loss report by
//! competitor over the deals closed in a period, scoped as every report.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use domain::money::{Money, MoneyTotal};
use persistence::competitors::{self as store, CompetitorChange, CompetitorRow, InPlay, InPlayRow};
use persistence::{contracts, now_utc, settings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query, double_option};
use crate::routes::reports::{PeriodDto, report_query};
use crate::state::AppState;

/// Where a competitor usually prices against us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PricePosition {
    Lower,
    Similar,
    Higher,
}

/// Our position against a competitor on one deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OurPosition {
    Ahead,
    Even,
    Behind,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompetitorDto {
    pub id: i64,
    #[schema(example = "用友")]
    pub name: String,
    pub strengths: Option<String>,
    pub weaknesses: Option<String>,
    pub price_position: Option<PricePosition>,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

fn competitor_dto(r: CompetitorRow) -> Result<CompetitorDto, ApiError> {
    Ok(CompetitorDto {
        price_position: r.price_position.as_deref().map(crate::words::stored_as).transpose()?,
        id: r.id,
        name: r.name,
        strengths: r.strengths,
        weaknesses: r.weaknesses,
        active: r.active,
        updated_at: r.updated_at.and_utc(),
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompetitor {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "用友")]
    pub name: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub strengths: Option<String>,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub weaknesses: Option<String>,
    pub price_position: Option<PricePosition>,
}

/// Adds a competitor to the catalogue (admin).
#[utoipa::path(
    tag = "competitors",
    request_body = CreateCompetitor,
    responses(
        (status = 201, body = CompetitorDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/competitors")]
pub async fn create_competitor(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateCompetitor>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let c = CompetitorChange {
        name: Some(b.name.trim().to_owned()),
        strengths: Some(b.strengths),
        weaknesses: Some(b.weaknesses),
        price_position: Some(b.price_position.map(crate::words::name_of)),
        active: Some(true),
    };
    let row = state
        .write(move |conn| store::create(conn, &c, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(competitor_dto(row)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompetitor {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 2000))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub strengths: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 2000))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub weaknesses: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PricePosition>)]
    pub price_position: Option<Option<PricePosition>>,
    /// A retired competitor is no longer offered for deals; its history stays.
    pub active: Option<bool>,
}

/// Changes a catalogue entry (admin).
#[utoipa::path(
    tag = "competitors",
    params(("id" = i64, Path, description = "Competitor id")),
    request_body = UpdateCompetitor,
    responses(
        (status = 200, body = CompetitorDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/competitors/{id}")]
pub async fn update_competitor(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    body: Json<UpdateCompetitor>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let c = CompetitorChange {
        name: b.name.map(|n| n.trim().to_owned()),
        strengths: b.strengths,
        weaknesses: b.weaknesses,
        price_position: b.price_position.map(|p| p.map(crate::words::name_of)),
        active: b.active,
    };
    let row = state
        .write(move |conn| store::change(conn, id.0, &c, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(competitor_dto(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompetitorsQuery {
    /// Retired ones too (default false).
    pub all: Option<bool>,
}

/// The competitor catalogue, by name.
#[utoipa::path(
    tag = "competitors",
    params(CompetitorsQuery),
    responses((status = 200, body = Vec<CompetitorDto>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/competitors")]
pub async fn list_competitors(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<CompetitorsQuery>,
) -> Result<HttpResponse, ApiError> {
    let all = query.0.all.unwrap_or(false);
    let rows = state.read(move |conn| Ok(store::list(conn, all)?)).await?;
    let data: Vec<CompetitorDto> = rows.into_iter().map(competitor_dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(data))
}

/// A competitor in play on a deal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InPlayDto {
    pub competitor_id: i64,
    pub name: String,
    /// Their offer, in the organisation's currency.
    pub offer: Option<Money>,
    pub position: OurPosition,
    pub note: Option<String>,
    pub added_by: i64,
    pub updated_at: DateTime<Utc>,
}

fn in_play_dtos(rows: Vec<(InPlayRow, String)>, currency: &str) -> Result<Vec<InPlayDto>, ApiError> {
    rows.into_iter()
        .map(|(r, name)| {
            Ok(InPlayDto {
                competitor_id: r.competitor_id,
                name,
                offer: r.offer_amount.map(|a| Money::stored(a, currency.to_owned())),
                position: crate::words::stored_as(&r.position)?,
                note: r.note,
                added_by: r.added_by,
                updated_at: r.updated_at.and_utc(),
            })
        })
        .collect()
}

/// The competitors in play on a deal, by name.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = Vec<InPlayDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/competitors")]
pub async fn deal_competitors(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let data = state
        .read(move |conn| {
            let currency = contracts::policy(conn)?.currency;
            let rows = store::of_deal(conn, &by, id.0).map_err(ApiError::refused)?;
            in_play_dtos(rows, &currency)
        })
        .await?;
    Ok(HttpResponse::Ok().json(data))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutInPlay {
    /// Their offer, in the organisation's currency.
    pub offer: Option<Money>,
    pub position: OurPosition,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, example = "对方报价低 10%，但实施团队弱")]
    pub note: Option<String>,
}

/// Records a competitor in play on a deal, or updates it; answers the deal's competitors.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("competitor_id" = i64, Path, description = "Competitor id")),
    request_body = PutInPlay,
    responses(
        (status = 200, body = Vec<InPlayDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/opportunities/{id}/competitors/{competitor_id}")]
pub async fn put_deal_competitor(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
    body: Json<PutInPlay>,
) -> Result<HttpResponse, ApiError> {
    let (id, competitor) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "competitor_id")?,
    );
    let b = body.0;
    let by = user.principal();
    let data = state
        .write(move |conn| {
            let currency = contracts::policy(conn)?.currency;
            if let Some(m) = &b.offer
                && m.currency().as_str() != currency
            {
                return Err(ApiError::invalid_field(
                    "offer.currency",
                    domain::vocabulary::FieldCode::OrganisationCurrency,
                    format!("amounts are in {currency}, the organisation's currency"),
                ));
            }
            let p = InPlay {
                offer_amount: b.offer.as_ref().map(Money::amount),
                position: crate::words::name_of(b.position),
                note: b.note.map(|n| n.trim().to_owned()),
            };
            let (_, rows) = store::put(conn, &by, id, competitor, &p, now_utc()).map_err(ApiError::refused)?;
            in_play_dtos(rows, &currency)
        })
        .await?;
    Ok(HttpResponse::Ok().json(data))
}

/// Takes a competitor off a deal.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("competitor_id" = i64, Path, description = "Competitor id")),
    responses(
        (status = 204, description = "Taken off"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/opportunities/{id}/competitors/{competitor_id}")]
pub async fn remove_deal_competitor(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, competitor) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "competitor_id")?,
    );
    let by = user.principal();
    state
        .write(move |conn| store::remove(conn, &by, id, competitor).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

report_query!(WinLossQuery {});

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LostReason {
    pub reason: String,
    pub deals: u64,
}

/// One competitor's record against us in the period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WinLossRow {
    pub competitor_id: i64,
    pub name: String,
    /// Deals closed in the period with this competitor in play.
    pub met: u64,
    pub won: u64,
    pub lost: u64,
    /// Of the lost ones, those lost to this competitor.
    pub lost_to_it: u64,
    pub won_amount: MoneyTotal,
    pub lost_amount: MoneyTotal,
    /// won / (won + lost), in basis points.
    pub win_rate_bp: Option<u32>,
    /// The most common reasons of the lost ones, at most three.
    pub top_lost_reasons: Vec<LostReason>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WinLossReport {
    pub period: PeriodDto,
    pub competitors: Vec<WinLossRow>,
}

/// Win/loss by competitor over the deals closed (won or lost) in the
/// period, in the caller's scope.
#[utoipa::path(
    tag = "reports",
    params(WinLossQuery),
    responses(
        (status = 200, body = WinLossReport),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/competitors")]
pub async fn win_loss_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<WinLossQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let report = state
        .report(move |conn| {
            let tz = settings::zone(conn)?;
            let today = domain::calendar::today(now_utc(), tz);
            let dates = q.period().dates(today)?;
            let (from, to) = dates.instants(tz);
            let currency = contracts::policy(conn)?.currency;
            let met = store::met(conn, &user.principal(), &q.filter(), from, to)?;
            let names = store::list(conn, true)?;
            let money = |a: i64| MoneyTotal::stored(a, currency.clone());
            Ok(WinLossReport {
                period: PeriodDto::of(dates, tz),
                competitors: domain::reports::competition::win_loss(&met)
                    .into_iter()
                    .map(|r| WinLossRow {
                        name: names
                            .iter()
                            .find(|c| c.id == r.competitor_id)
                            .map(|c| c.name.clone())
                            .unwrap_or_default(),
                        competitor_id: r.competitor_id,
                        met: r.met,
                        won: r.won,
                        lost: r.lost,
                        lost_to_it: r.lost_to_it,
                        won_amount: money(r.won_amount),
                        lost_amount: money(r.lost_amount),
                        win_rate_bp: r.win_rate_bp,
                        top_lost_reasons: r
                            .top_lost_reasons
                            .into_iter()
                            .map(|(reason, deals)| LostReason { reason, deals })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
