//! API keys for integrations (admin only). The key is shown once at creation;
//! only its hash is stored.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use domain::auth::{ApiScope, format_scope_list, parse_scope_list};
use domain::vocabulary::FieldCode;
use persistence::Found;
use persistence::api_keys::{self, ApiKeyRow, NewApiKeyRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, PathId, Query};
use crate::security::{random_hex, sha256_hex};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to recognise it.
    #[schema(example = "crm_1a2b3c4d")]
    pub prefix: String,
    #[schema(example = json!(["leads:write"]))]
    pub scopes: Vec<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for ApiKeyDto {
    fn from(r: ApiKeyRow) -> Self {
        ApiKeyDto {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: parse_scope_list(&r.scopes)
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A new key: `key` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKeyDto,
    /// Send as `X-Api-Key`. Store it now: it cannot be shown again.
    pub key: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "website lead import", min_length = 1, max_length = 100)]
    pub name: String,
    /// At least one of: leads:write, leads:read, customers:read, customers:write, users:read, departments:read.
    #[schema(example = json!(["leads:write"]))]
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApiKeysQuery {
    /// Include revoked keys (default false).
    pub include_revoked: Option<bool>,
}

/// Lists API keys (admin).
#[utoipa::path(
    tag = "api-keys",
    params(ListApiKeysQuery),
    responses(
        (status = 200, body = Vec<ApiKeyDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: Query<ListApiKeysQuery>,
) -> Result<HttpResponse, ApiError> {
    let include_revoked = query.0.include_revoked.unwrap_or(false);
    let rows = state
        .read(move |conn| Ok(api_keys::list(conn, include_revoked)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ApiKeyDto::from).collect::<Vec<_>>()))
}

/// Creates an API key with scopes (admin). The answer holds the key once.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut scopes = Vec::new();
    let mut errors = Vec::new();
    for (i, s) in b.scopes.iter().enumerate() {
        match s.parse::<ApiScope>() {
            Ok(scope) => scopes.push(scope),
            Err(e) => errors.push(FieldError::new(
                format!("scopes.{i}"),
                FieldCode::UnknownValue,
                e.to_string(),
            )),
        }
    }
    if b.scopes.is_empty() {
        errors.push(FieldError::new(
            "scopes",
            FieldCode::Required,
            "give at least one scope",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let secret = random_hex(24).map_err(ApiError::internal)?;
    let key = format!("crm_{secret}");
    let new = NewApiKeyRow {
        name: b.name.trim().to_owned(),
        prefix: key.chars().take(12).collect(),
        key_hash: sha256_hex(key.as_bytes()),
        scopes: format_scope_list(&scopes),
        created_by: admin.0.id,
        created_at: persistence::naive_now(),
    };
    let row = state.write(move |conn| Ok(api_keys::insert(conn, &new)?)).await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiKey {
            api_key: row.into(),
            key,
        }))
}

/// Revokes an API key (admin); it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 200, body = ApiKeyDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = state
        .write(move |conn| {
            api_keys::revoke(conn, id.0, now_utc())
                .found()?
                .ok_or_else(|| ApiError::not_found("API key"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ApiKeyDto::from(row)))
}
