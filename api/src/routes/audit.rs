//! The organisation's audit trail for admins: every recorded change and
//! export, filtered by kind of record, record, actor and time.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use persistence::audit::{self, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::AdminUser;
use crate::error::ApiError;
use crate::extract::Query;
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditQuery {
    /// `customer`, `export`, `contract`, ...
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// Who acted.
    pub actor_id: Option<i64>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    /// `created`, `updated`, `transferred`, `exported`, ...
    pub action: String,
    pub actor_id: Option<i64>,
    /// The facts of the action; for an export `{resource, format, rows, complete, filters}`.
    #[schema(value_type = Option<Object>)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// Lists the audit trail, oldest first (admin).
#[utoipa::path(
    tag = "organisation",
    params(ListAuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: Query<ListAuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let filter = AuditFilter {
        entity: q.entity.filter(|e| !e.trim().is_empty()),
        entity_id: q.entity_id,
        actor_id: q.actor_id,
        since: q.since,
    };
    let rows = state
        .read(move |conn| Ok(audit::list(conn, &filter, after, i64::from(limit) + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(
        rows,
        limit,
        |r| r.id,
        |r| {
            Ok(AuditEntry {
                id: r.id,
                entity: r.entity,
                entity_id: r.entity_id,
                action: r.action,
                actor_id: r.actor_id,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
                at: r.at.and_utc(),
            })
        },
    )?;
    Ok(HttpResponse::Ok().json(AuditPage { data, next_cursor }))
}
