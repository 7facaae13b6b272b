//! Custom fields and picklist kinds, added by an admin without development:
//! a field is defined for customers, contacts, leads, deals or contracts
//! (key, label, type, required, options); its values ride on the record
//! under `custom_fields`. Everyone signed in reads the definitions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::custom_fields::{CustomEntity, FieldKind, check_options, valid_key};
use domain::vocabulary::FieldCode;
use persistence::RepoError;
use persistence::custom_fields::{self as store, DefChange, DefRow, KindRow, NewDef};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{Json, PathId, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomFieldDto {
    pub id: i64,
    /// `customer`, `contact`, `lead`, `opportunity` or `contract`.
    pub entity: String,
    /// The key under `custom_fields`; never changes.
    #[schema(example = "level")]
    pub key: String,
    #[schema(example = "客户级别")]
    pub label: String,
    /// `text`, `number`, `money`, `date`, `select`, `multi_select` or `boolean`.
    pub kind: String,
    pub required: bool,
    /// The choices of a select or multi select.
    pub options: Vec<String>,
    pub position: i32,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<DefRow> for CustomFieldDto {
    fn from(r: DefRow) -> Self {
        CustomFieldDto {
            options: r.options(),
            id: r.id,
            entity: r.entity,
            key: r.field_key,
            label: r.label,
            kind: r.kind,
            required: r.required,
            position: r.position,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListFieldsQuery {
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Include retired fields (default false).
    pub include_inactive: Option<bool>,
}

fn entity_of(raw: &str, field: &str) -> Result<CustomEntity, ApiError> {
    raw.parse::<CustomEntity>().map_err(|e| {
        ApiError::invalid_field(
            field,
            FieldCode::UnknownValue,
            format!("{e}: customer, contact, lead, opportunity or contract"),
        )
    })
}

/// Lists custom fields, by record kind and position.
#[utoipa::path(
    tag = "custom_fields",
    params(ListFieldsQuery),
    responses(
        (status = 200, body = Vec<CustomFieldDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/custom-fields")]
pub async fn list_custom_fields(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<ListFieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let entities = match q.entity.as_deref() {
        Some(e) => vec![entity_of(e, "entity")?],
        None => CustomEntity::ALL.to_vec(),
    };
    let include = q.include_inactive.unwrap_or(false);
    let rows = state
        .read(move |conn| {
            let mut all = Vec::new();
            for e in entities {
                all.extend(store::list_defs(conn, e, include)?);
            }
            Ok(all)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(CustomFieldDto::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomField {
    /// `customer`, `contact`, `lead`, `opportunity` or `contract`.
    #[schema(example = "customer")]
    pub entity: String,
    /// A lower-case letter, then letters, digits or `_` (at most 40).
    #[schema(example = "level")]
    pub key: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "客户级别", min_length = 1, max_length = 100)]
    pub label: String,
    /// `text`, `number`, `money`, `date`, `select`, `multi_select` or `boolean`.
    #[schema(example = "select")]
    pub kind: String,
    /// Must be given when a record is created (default false).
    pub required: Option<bool>,
    /// For a select or multi select: 1 to 200 distinct choices.
    #[schema(example = json!(["金牌", "银牌", "铜牌"]))]
    pub options: Option<Vec<String>>,
    pub position: Option<i32>,
}

/// Defines a custom field (admin). A key taken for that kind of record is 409.
#[utoipa::path(
    tag = "custom_fields",
    request_body = CreateCustomField,
    responses(
        (status = 201, body = CustomFieldDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/custom-fields")]
pub async fn create_custom_field(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<CreateCustomField>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors = Vec::new();
    let entity = entity_of(&b.entity, "entity")
        .map_err(|e| errors.extend(e.errors.clone()))
        .ok();
    if !valid_key(&b.key) {
        errors.push(FieldError::new(
            "key",
            FieldCode::Format,
            "a lower-case letter, then letters, digits or `_` (at most 40)",
        ));
    }
    let kind = b
        .kind
        .parse::<FieldKind>()
        .map_err(|e| errors.push(FieldError::new("kind", FieldCode::UnknownValue, e)))
        .ok();
    let options = b.options.unwrap_or_default();
    if let Some(k) = kind
        && let Some(problem) = check_options(k, &options)
    {
        errors.push(FieldError::new("options", FieldCode::DependsOn, problem));
    }
    let (Some(entity), Some(kind), true) = (entity, kind, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let new = NewDef {
        entity,
        key: b.key,
        label: b.label.trim().to_owned(),
        kind,
        required: b.required.unwrap_or(false),
        options,
        position: b.position.unwrap_or(1000),
    };
    let row = state
        .write(move |conn| {
            store::create_def(conn, &new, admin.0.id, now_utc()).map_err(|e| match e {
                RepoError::Conflict { .. } => ApiError::conflict(
                    ErrorCode::CodeTaken,
                    format!("a {} custom field has the key `{}`", new.entity, new.key),
                )
                .with_errors(vec![FieldError::new("key", FieldCode::Taken, "already in use")]),
                other => other.into(),
            })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(CustomFieldDto::from(row)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomField {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub label: Option<String>,
    pub required: Option<bool>,
    /// A select's new choices (values already stored stay as they are).
    pub options: Option<Vec<String>>,
    pub position: Option<i32>,
    /// `false` retires the field: it is no longer shown, written or filtered; its values are kept.
    pub active: Option<bool>,
}

/// Changes a custom field's label, requirement, options, position or activity (admin); its key and type never change.
#[utoipa::path(
    tag = "custom_fields",
    params(("id" = i64, Path, description = "Custom field id")),
    request_body = UpdateCustomField,
    responses(
        (status = 200, body = CustomFieldDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/custom-fields/{id}")]
pub async fn update_custom_field(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: PathId,
    body: Json<UpdateCustomField>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let row = state
        .write(move |conn| {
            let current = store::find_def(conn, id.0)?.ok_or_else(|| ApiError::not_found("custom field"))?;
            let kind = current.def()?.kind;
            if let Some(options) = &b.options
                && let Some(problem) = check_options(kind, options)
            {
                return Err(ApiError::invalid_field("options", FieldCode::DependsOn, problem));
            }
            let change = DefChange {
                label: b.label.map(|l| l.trim().to_owned()),
                required: b.required,
                options: b
                    .options
                    .map(|o| serde_json::to_string(&o).map_err(ApiError::internal))
                    .transpose()?,
                position: b.position,
                active: b.active,
            };
            Ok(store::change_def(conn, id.0, &change, admin.0.id, now_utc())?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CustomFieldDto::from(row)))
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictionaryKind {
    /// The name in `/dictionaries/{kind}`: a lower-case letter, then letters, digits or `_`.
    #[schema(example = "product_line")]
    pub kind: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "产品线", min_length = 1, max_length = 100)]
    pub label_zh: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "Product line", min_length = 1, max_length = 100)]
    pub label_en: String,
    /// One of the four the product uses on customers and leads (read-only).
    #[serde(default)]
    pub builtin: bool,
}

/// The picklist kinds: industry, source, region and size band, and those an admin added.
#[utoipa::path(
    tag = "dictionaries",
    responses((status = 200, body = Vec<DictionaryKind>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/dictionary-kinds")]
pub async fn list_dictionary_kinds(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let rows = state.read(|conn| Ok(store::kinds(conn)?)).await?;
    let list: Vec<DictionaryKind> = rows
        .into_iter()
        .map(|r| DictionaryKind {
            kind: r.kind,
            label_zh: r.label_zh,
            label_en: r.label_en,
            builtin: r.builtin,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Adds a picklist kind (admin); its entries are then managed at `/dictionaries/{kind}`. A taken name is 409.
#[utoipa::path(
    tag = "dictionaries",
    request_body = DictionaryKind,
    responses(
        (status = 201, body = DictionaryKind),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/dictionary-kinds")]
pub async fn create_dictionary_kind(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<DictionaryKind>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if !valid_key(&b.kind) {
        return Err(ApiError::invalid_field(
            "kind",
            FieldCode::Format,
            "a lower-case letter, then letters, digits or `_` (at most 40)",
        ));
    }
    let row = KindRow {
        kind: b.kind,
        label_zh: b.label_zh.trim().to_owned(),
        label_en: b.label_en.trim().to_owned(),
        builtin: false,
    };
    let answer = DictionaryKind {
        kind: row.kind.clone(),
        label_zh: row.label_zh.clone(),
        label_en: row.label_en.clone(),
        builtin: false,
    };
    state
        .write(move |conn| {
            store::add_kind(conn, &row, admin.0.id, now_utc()).map_err(|e| match e {
                RepoError::Conflict { .. } => ApiError::conflict(ErrorCode::CodeTaken, "this dictionary kind exists")
                    .with_errors(vec![FieldError::new("kind", FieldCode::Taken, "already in use")]),
                other => other.into(),
            })
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(answer))
}
