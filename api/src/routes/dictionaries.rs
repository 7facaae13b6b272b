//! Picklists for customers and leads: industries, sources, regions and size
//! bands. Everyone signed in reads them; admins add, relabel, reorder and
//! retire entries. Records store the immutable `code`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::vocabulary::FieldCode;
use persistence::dictionaries::{self, EntryChangeset, EntryRow, NewEntryRow};
use persistence::{DbConn, RepoError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, Caller};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, Query, etag};
use crate::state::AppState;

pub const KINDS: [&str; 4] = ["industry", "source", "region", "size_band"];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DictionaryEntry {
    pub id: i64,
    /// `industry`, `source`, `region` or `size_band`.
    pub kind: String,
    /// What records store; never changes.
    #[schema(example = "manufacturing")]
    pub code: String,
    #[schema(example = "制造业")]
    pub label_zh: String,
    #[schema(example = "Manufacturing")]
    pub label_en: String,
    pub position: i32,
    pub active: bool,
    pub version: i64,
}

impl From<EntryRow> for DictionaryEntry {
    fn from(r: EntryRow) -> Self {
        DictionaryEntry {
            id: r.id,
            kind: r.kind,
            code: r.code,
            label_zh: r.label_zh,
            label_en: r.label_en,
            position: r.position,
            active: r.active,
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntry {
    /// Lower-case letters, digits, `_`, `-` and `+`; 1 to 40 characters.
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "new_energy", min_length = 1, max_length = 40)]
    pub code: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "新能源", min_length = 1, max_length = 100)]
    pub label_zh: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "New energy", min_length = 1, max_length = 100)]
    pub label_en: String,
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntry {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub label_zh: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub label_en: Option<String>,
    pub position: Option<i32>,
    /// `false` retires the entry: existing records keep it, new ones cannot use it.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEntriesQuery {
    /// Include retired entries (default false).
    pub include_inactive: Option<bool>,
}

fn kind_of(req: &HttpRequest) -> String {
    req.match_info().get("kind").unwrap_or("").to_owned()
}

/// 404 unless `kind` is a built-in or admin-added dictionary.
fn known_kind(conn: &mut DbConn, kind: &str) -> Result<(), ApiError> {
    if persistence::custom_fields::kind_exists(conn, kind)? {
        Ok(())
    } else {
        Err(ApiError::not_found(&format!(
            "dictionary `{kind}` (see GET /api/v1/dictionary-kinds)"
        )))
    }
}

/// Lists a dictionary's entries in display order.
#[utoipa::path(
    tag = "dictionaries",
    params(("kind" = String, Path, description = "industry, source, region, size_band, or a kind an admin added"), ListEntriesQuery),
    responses(
        (status = 200, body = Vec<DictionaryEntry>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/dictionaries/{kind}")]
pub async fn list_dictionary(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: Query<ListEntriesQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(domain::auth::ApiScope::CustomersRead)?;
    let kind = kind_of(&req);
    let include = query.0.include_inactive.unwrap_or(false);
    let rows = state
        .read(move |conn| {
            known_kind(conn, &kind)?;
            Ok(dictionaries::list(conn, &kind, include)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DictionaryEntry::from).collect::<Vec<_>>()))
}

/// Adds an entry to a dictionary (admin).
#[utoipa::path(
    tag = "dictionaries",
    request_body = CreateEntry,
    params(("kind" = String, Path, description = "industry, source, region, size_band, or a kind an admin added")),
    responses(
        (status = 201, body = DictionaryEntry),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/dictionaries/{kind}")]
pub async fn create_dictionary_entry(
    state: web::Data<AppState>,
    _admin: AdminUser,
    req: HttpRequest,
    body: Json<CreateEntry>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_of(&req);
    let b = body.0;
    let code = b.code.trim().to_owned();
    if !code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '+'))
    {
        return Err(ApiError::invalid_field(
            "code",
            FieldCode::Format,
            "lower-case letters, digits, `_`, `-` and `+` only",
        ));
    }
    let new = NewEntryRow {
        kind: kind.clone(),
        code,
        label_zh: b.label_zh.trim().to_owned(),
        label_en: b.label_en.trim().to_owned(),
        position: b.position.unwrap_or(1000),
    };
    let row = state
        .write(move |conn| {
            known_kind(conn, &kind)?;
            Ok(dictionaries::insert(conn, &new)?)
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("ETag", etag(row.version)))
        .json(DictionaryEntry::from(row)))
}

/// Relabels, reorders, retires or revives an entry (admin).
#[utoipa::path(
    tag = "dictionaries",
    request_body = UpdateEntry,
    params(
        ("id" = i64, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = DictionaryEntry),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/dictionary-entries/{id}")]
pub async fn update_dictionary_entry(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateEntry>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let changes = EntryChangeset {
        label_zh: b.label_zh.map(|s| s.trim().to_owned()),
        label_en: b.label_en.map(|s| s.trim().to_owned()),
        position: b.position,
        active: b.active,
    };
    let row = state
        .write(move |conn| {
            dictionaries::update(conn, id.0, if_match.0, &changes).map_err(|e| match e {
                RepoError::NotFound => ApiError::not_found("dictionary entry"),
                other => other.into(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(row.version)))
        .json(DictionaryEntry::from(row)))
}
