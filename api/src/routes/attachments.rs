//! Attachments on customers, deals and contracts: upload (the raw file as
//! the body, its name in `?file_name=`), list, download, delete. Size and
//! media types are organisation settings (`/settings/attachments`); the
//! record's scope applies to every operation, downloads included.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::attachments::{AttachedTo, AttachmentSettings, clean_file_name, media_essence};
use domain::vocabulary::FieldCode;
use persistence::attachments::{self, AttachmentRow, NewAttachment};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{Acting, AdminUser, AuthUser, scope};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{Json, PathId, Query};
use crate::security::{random_hex, sha256_hex};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    /// `customer`, `opportunity` or `contract`.
    pub attached_to: String,
    pub record_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<AttachmentRow> for AttachmentDto {
    fn from(r: AttachmentRow) -> Self {
        AttachmentDto {
            id: r.id,
            attached_to: r.attached_to,
            record_id: r.record_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user knows it (path parts are dropped).
    /// Its last path part must hold a character other than white space, `.`, `"` or a control character.
    #[param(
        example = "合同扫描件.pdf",
        min_length = 1,
        max_length = 2000,
        pattern = r#"^[^\u0000]*[^\s"./\\\u0000-\u001f\u007f-\u009f][^/\\\u0000]*$"#
    )]
    pub file_name: String,
}

async fn upload(
    state: web::Data<AppState>,
    user: AuthUser,
    to: AttachedTo,
    record_id: i64,
    req: HttpRequest,
    query: UploadQuery,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let file_name = clean_file_name(&query.file_name).ok_or_else(|| {
        ApiError::invalid_field(
            "file_name",
            FieldCode::Required,
            "a file name with at least one character",
        )
    })?;
    let content_type = media_essence(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let limits = state.read(|conn| Ok(attachments::limits(conn)?)).await?;
    if !limits.accepts(&content_type) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!(
                "`{content_type}` is not an accepted attachment type; accepted: {}",
                limits.allowed_types.join(", ")
            ),
        ));
    }
    let max = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    let bytes = crate::extract::read_body(body, max, crate::extract::BodyTimeout::of(&req)).await?;
    if bytes.is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            FieldCode::Required,
            "the file is empty",
        ));
    }
    let key = random_hex(16).map_err(ApiError::internal)?;
    let new = NewAttachment {
        attached_to: to,
        record_id,
        file_name,
        content_type,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: sha256_hex(&bytes),
        storage_key: key.clone(),
    };
    // the bytes first: a row never names a file that is not there
    let blobs = state.blobs.clone();
    let k = key.clone();
    web::block(move || blobs.put(&k, &bytes))
        .await?
        .map_err(|e| ApiError::internal(format!("cannot store the file: {e}")))?;
    let created = state
        .write(move |conn| {
            attachments::create(conn, &user.principal(), user.id, new, now_utc())
                .map_err(|e| ApiError::refused_about(e, to.as_str()))
        })
        .await;
    let row = match created {
        Ok(row) => row,
        Err(e) => {
            let blobs = state.blobs.clone();
            let _ = web::block(move || blobs.delete(&key)).await;
            return Err(e);
        }
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/attachments/{}", row.id)))
        .json(AttachmentDto::from(row)))
}

async fn list(state: web::Data<AppState>, user: AuthUser, to: AttachedTo, id: i64) -> Result<HttpResponse, ApiError> {
    let rows = state
        .read(move |conn| {
            attachments::list(conn, &user.principal(), to, id, now_utc())?
                .ok_or_else(|| ApiError::not_found(to.as_str()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(AttachmentDto::from).collect::<Vec<_>>()))
}

macro_rules! attachment_routes {
    ($tag:literal, $path:literal, $to:expr, $upload:ident, $list:ident, $who:ty, [$($security:tt)*]) => {
        /// Uploads a file to this record: the raw bytes as the body with their
        /// `Content-Type`, the name in `file_name`. Over the size limit is 413,
        /// a type not accepted 415 (see `/settings/attachments`).
        #[utoipa::path(
            tag = $tag,
            params(("id" = i64, Path, description = "Record id"), UploadQuery),
            request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
            responses(
                (status = 201, body = AttachmentDto, headers(("Location" = String))),
                (status = 401, response = crate::responses::Unauthorized),
                (status = 403, response = crate::responses::Forbidden),
                (status = 404, response = crate::responses::NotFound),
                (status = 413, response = crate::responses::PayloadTooLarge),
                (status = 415, response = crate::responses::UnsupportedMediaType),
                (status = 422, response = crate::responses::Unprocessable),
            ),
            security($($security)*)
        )]
        #[post($path)]
        pub async fn $upload(
            state: web::Data<AppState>,
            who: $who,
            req: HttpRequest,
            id: PathId,
            query: Query<UploadQuery>,
            body: web::Payload,
        ) -> Result<HttpResponse, ApiError> {
            upload(state, who.into(), $to, id.0, req, query.0, body).await
        }

        /// Lists the record's attachments, oldest first.
        #[utoipa::path(
            tag = $tag,
            params(("id" = i64, Path, description = "Record id")),
            responses(
                (status = 200, body = Vec<AttachmentDto>),
                (status = 401, response = crate::responses::Unauthorized),
                (status = 404, response = crate::responses::NotFound),
            ),
            security(("bearer" = []))
        )]
        #[get($path)]
        pub async fn $list(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
            list(state, user, $to, id.0).await
        }
    };
}

attachment_routes!(
    "customers",
    "/customers/{id}/attachments",
    AttachedTo::Customer,
    upload_customer_attachment,
    list_customer_attachments,
    Acting<scope::CustomersWrite>,
    [("bearer" = []), ("api_key" = ["customers:write"])]
);
attachment_routes!(
    "opportunities",
    "/opportunities/{id}/attachments",
    AttachedTo::Opportunity,
    upload_opportunity_attachment,
    list_opportunity_attachments,
    AuthUser,
    [("bearer" = [])]
);
attachment_routes!(
    "contracts",
    "/contracts/{id}/attachments",
    AttachedTo::Contract,
    upload_contract_attachment,
    list_contract_attachments,
    AuthUser,
    [("bearer" = [])]
);

/// One attachment's details.
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, body = AttachmentDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/attachments/{id}")]
pub async fn get_attachment(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let row = visible_attachment(&state, user, id.0).await?;
    Ok(HttpResponse::Ok().json(AttachmentDto::from(row)))
}

async fn visible_attachment(state: &AppState, user: AuthUser, id: i64) -> Result<AttachmentRow, ApiError> {
    state
        .read(move |conn| {
            let found = attachments::find_visible(conn, &user.principal(), id, now_utc())?;
            found
                .map(|(row, _)| row)
                .ok_or_else(|| ApiError::not_found("attachment"))
        })
        .await
}

/// Downloads an attachment (only when its record is one the caller may see).
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, with its content type", content((Vec<u8> = "application/octet-stream"))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/attachments/{id}/content")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = visible_attachment(&state, user, id.0).await?;
    let blobs = state.blobs.clone();
    let key = row.storage_key.clone();
    let bytes = web::block(move || blobs.get(&key))
        .await?
        .map_err(|e| ApiError::internal(format!("attachment {} is missing from the store: {e}", row.id)))?;
    let encoded: String = form_urlencoded::byte_serialize(row.file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, format!("\"{}\"", row.sha256)))
        .body(bytes))
}

/// Deletes an attachment (who may change its record).
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/attachments/{id}")]
pub async fn delete_attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = state
        .write(move |conn| {
            attachments::delete(conn, &user.principal(), user.id, id.0, now_utc())
                .map_err(|e| ApiError::refused_about(e, "attachment"))
        })
        .await?;
    let blobs = state.blobs.clone();
    if let Err(e) = web::block(move || blobs.delete(&row.storage_key)).await? {
        // the row is gone; an orphan file is only space
        log::warn!("attachment {} removed but its file stays: {e}", row.id);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The organisation's attachment limits.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentLimits {
    /// Largest file in bytes (at most 104857600).
    #[schema(example = 20971520, minimum = 1, maximum = 104_857_600)]
    pub max_bytes: u64,
    /// Accepted media types: exact, or a family such as `image/*`.
    #[schema(example = json!(["application/pdf", "image/*"]))]
    pub allowed_types: Vec<String>,
}

impl From<AttachmentSettings> for AttachmentLimits {
    fn from(s: AttachmentSettings) -> Self {
        AttachmentLimits {
            max_bytes: s.max_bytes,
            allowed_types: s.allowed_types,
        }
    }
}

/// The attachment limits (anyone signed in reads them, to check a file before sending it).
#[utoipa::path(
    tag = "attachments",
    responses((status = 200, body = AttachmentLimits), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/settings/attachments")]
pub async fn get_attachment_settings(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let s = state.read(|conn| Ok(attachments::limits(conn)?)).await?;
    Ok(HttpResponse::Ok().json(AttachmentLimits::from(s)))
}

/// Sets the attachment limits (admin); files already stored stay.
#[utoipa::path(
    tag = "attachments",
    request_body = AttachmentLimits,
    responses(
        (status = 200, body = AttachmentLimits),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/attachments")]
pub async fn put_attachment_settings(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<AttachmentLimits>,
) -> Result<HttpResponse, ApiError> {
    let s = AttachmentSettings {
        max_bytes: body.0.max_bytes,
        allowed_types: body
            .0
            .allowed_types
            .iter()
            .map(|t| t.trim().to_ascii_lowercase())
            .collect(),
    };
    if let Some((field, message)) = s.problem() {
        return Err(ApiError::validation(vec![FieldError::new(
            field,
            FieldCode::Invalid,
            message,
        )]));
    }
    let saved = s.clone();
    state
        .write(move |conn| Ok(attachments::set_limits(conn, &saved, admin.0.id, now_utc())?))
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentLimits::from(s)))
}
