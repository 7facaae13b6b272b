//! Liveness (`/healthz`) and readiness (`/readyz`: the database answers).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// `SQLite` or `PostgreSQL` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers a query.
#[utoipa::path(tag = "health", responses((status = 200, body = Health), (status = 503, response = crate::openapi::Unavailable)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let name = state.db.backend().name();
    state
        .read(|conn| persistence::ping(conn).map_err(ApiError::unavailable))
        .await
        .map_err(|e| {
            if e.status.is_server_error() {
                ApiError::unavailable(&e.detail)
            } else {
                e
            }
        })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        database: Some(name),
    }))
}
