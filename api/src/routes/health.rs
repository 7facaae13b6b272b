//! Liveness (`/healthz`), readiness (`/readyz`: the database answers) and
//! counters for monitoring (`/metrics`).

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
#[utoipa::path(tag = "health", responses((status = 200, body = Health), (status = 503, response = crate::responses::Unavailable)))]
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

/// Counters in the Prometheus text format: SQL statements this process has
/// sent (`crm_sql_statements_total`). Nothing about records or users.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics() -> HttpResponse {
    let body = format!(
        "# HELP crm_sql_statements_total SQL statements sent to the database by this process.\n\
         # TYPE crm_sql_statements_total counter\n\
         crm_sql_statements_total {}\n",
        persistence::db::statements_run()
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
