//! A subscription's deliveries, each with its attempts, and redelivery.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::vocabulary::FieldCode;
use persistence::events::EventRow;
use persistence::events::webhooks::{self, AttemptRow, DeliveryRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::AdminUser;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{PathId, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptDto {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when it did not answer (see `error`).
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// The first 500 characters of the answer.
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptDto {
    fn from(a: AttemptRow) -> Self {
        AttemptDto {
            attempted_at: a.attempted_at.and_utc(),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
            error: a.error,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Sent as `X-CRM-Delivery`.
    pub id: i64,
    pub event_id: i64,
    #[schema(example = "customer.created")]
    pub event: String,
    pub entity: String,
    pub entity_id: i64,
    pub summary: String,
    /// `pending`, `delivered` or `failed` (out of attempts).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempt_log: Vec<AttemptDto>,
}

fn delivery_dto(d: DeliveryRow, e: EventRow, log: Vec<AttemptDto>) -> DeliveryDto {
    DeliveryDto {
        next_attempt_at: (d.status == "pending").then(|| d.next_attempt_at.and_utc()),
        id: d.id,
        event_id: e.id,
        event: e.kind,
        entity: e.entity,
        entity_id: e.entity_id,
        summary: e.summary,
        status: d.status,
        attempts: d.attempts,
        last_status: d.last_status,
        created_at: d.created_at.and_utc(),
        delivered_at: d.delivered_at.map(|t| t.and_utc()),
        attempt_log: log,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `pending`, `delivered` or `failed`.
    #[param(pattern = "^(pending|delivered|failed)$")]
    pub status: Option<String>,
    /// Deliveries with a smaller id (the next page: the last id you got).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A subscription's deliveries, newest first, each with its attempts (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"), DeliveriesQuery),
    responses(
        (status = 200, body = Vec<DeliveryDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    query: Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if let Some(s) = &q.status
        && !matches!(s.as_str(), "pending" | "delivered" | "failed")
    {
        return Err(
            ApiError::bad_request(ErrorCode::InvalidQuery, "`status` is one of pending, delivered, failed")
                .with_errors(vec![FieldError::new(
                    "status",
                    FieldCode::UnknownValue,
                    "one of pending, delivered, failed",
                )]),
        );
    }
    let limit = i64::from(crate::pagination::limit(Some(q.limit.unwrap_or(50)))?);
    crate::pagination::before_id(q.before, "delivery")?;
    let list = state
        .read(move |conn| {
            webhooks::find(conn, id.0)?;
            let rows = webhooks::deliveries(conn, id.0, q.status.as_deref(), q.before, limit)?;
            let ids: Vec<i64> = rows.iter().map(|(d, _)| d.id).collect();
            let mut attempts = webhooks::attempts(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|(d, e)| {
                    let (mine, rest): (Vec<_>, Vec<_>) = attempts.drain(..).partition(|a| a.delivery_id == d.id);
                    attempts = rest;
                    delivery_dto(d, e, mine.into_iter().map(AttemptDto::from).collect())
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Sends a delivery again from its first attempt (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued: the worker sends it within a second or so"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    admin: AdminUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "delivery_id")?,
    );
    state
        .write(move |conn| Ok(webhooks::redeliver(conn, admin.0.id, id, delivery, now_utc())?))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
