//! Contacts (联系人) of a customer and their key-person role (KP): decision
//! maker 决策人, recommender 推荐人, influencer/gatekeeper 润滑型, user, other.
//! Access follows the customer's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use persistence::contacts::{self, ContactChangeset, NewContactRow};
use persistence::now_utc;

use crate::caller::{Acting, AuthUser, scope};
use crate::error::{ApiError, FieldError};
use crate::extract::{IfMatch, Json, PathId, etag};
use crate::state::AppState;

mod model;

pub use model::*;

const CONTACT: domain::custom_fields::CustomEntity = domain::custom_fields::CustomEntity::Contact;

fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The duplicate key of a phone number (`domain::dedup::phone_key`); a
/// value that is no phone number adds a field error.
pub fn phone_key(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    domain::dedup::phone_key(value).unwrap_or_else(|e| {
        errors.push(FieldError::new(e.field(), e.code(), e.to_string()));
        None
    })
}

/// The duplicate key of an e-mail address (`domain::dedup::email_key`); a
/// value that is no address adds a field error.
pub fn email_key(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    domain::dedup::email_key(value).unwrap_or_else(|e| {
        errors.push(FieldError::new(e.field(), e.code(), e.to_string()));
        None
    })
}

/// Phone and e-mail keys for duplicate detection; a value that cannot be one is 422.
fn keys(phone: Option<&str>, email: Option<&str>) -> Result<(Option<String>, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let keys = (phone_key(phone, &mut errors), email_key(email, &mut errors));
    if errors.is_empty() {
        Ok(keys)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A contact as its caller sees it, on the wire.
fn dto(v: contacts::ContactView) -> Result<ContactDto, ApiError> {
    let dto = ContactDto {
        custom_fields: v.custom_fields,
        ..ContactDto::try_from(v.row)?
    };
    Ok(dto.masked_if(v.masked))
}

fn respond(status: StatusCode, c: ContactDto) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(c.version)));
    if status == StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/contacts/{}", c.id)));
    }
    res.json(c)
}

/// Lists a customer's contacts, the primary one first.
#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = Vec<ContactDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers/{id}/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let views = state
        .read(move |conn| contacts::of_customer(conn, &by, id.0, now_utc()).map_err(ApiError::refused))
        .await?;
    let list: Vec<ContactDto> = views.into_iter().map(dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(list))
}

/// Adds a contact to a customer.
#[utoipa::path(
    tag = "contacts",
    request_body = CreateContact,
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 201, body = ContactDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[post("/customers/{id}/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
    body: Json<CreateContact>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let (phone_key, email_key) = keys(b.phone.as_deref(), b.email.as_deref())?;
    let new = NewContactRow {
        customer_id: id.0,
        name: b.name.trim().to_owned(),
        title: clean(b.title),
        phone: clean(b.phone),
        phone_key,
        email: clean(b.email),
        email_key,
        wechat: clean(b.wechat),
        kp_role: b.kp_role.unwrap_or(KpRole::Other).as_str().to_owned(),
        is_primary: b.is_primary.unwrap_or(false),
        preferred_channel: clean(b.preferred_channel),
        notes: b.notes,
        created_at: persistence::naive_now(),
        updated_at: persistence::naive_now(),
    };
    let by = user.principal();
    let custom = b.custom_fields;
    let view = state
        .write(move |conn| contacts::create(conn, &by, new, custom.as_ref(), now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(respond(StatusCode::CREATED, dto(view)?))
}

/// Reads one contact.
#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 200, body = ContactDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let view = state
        .read(move |conn| contacts::view(conn, &by, id.0, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(respond(StatusCode::OK, dto(view)?))
}

/// Changes a contact (`If-Match` for optimistic locking).
#[utoipa::path(
    tag = "contacts",
    request_body = UpdateContact,
    params(
        ("id" = i64, Path, description = "Contact id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = ContactDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateContact>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let (phone_key, email_key) = keys(
        b.phone.clone().flatten().as_deref(),
        b.email.clone().flatten().as_deref(),
    )?;
    let changes = ContactChangeset {
        name: b.name.map(|n| n.trim().to_owned()),
        title: b.title.map(clean),
        phone_key: b.phone.as_ref().map(|_| phone_key),
        phone: b.phone.map(clean),
        email_key: b.email.as_ref().map(|_| email_key),
        email: b.email.map(clean),
        wechat: b.wechat.map(clean),
        kp_role: b.kp_role.map(|k| k.as_str().to_owned()),
        is_primary: b.is_primary,
        preferred_channel: b.preferred_channel.map(clean),
        notes: b.notes,
    };
    let by = user.principal();
    let custom = b.custom_fields;
    let view = state
        .write(move |conn| {
            contacts::edit(conn, &by, id.0, if_match.0, &changes, custom.as_ref(), now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(respond(StatusCode::OK, dto(view)?))
}

/// Deletes a contact.
#[utoipa::path(
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    state
        .write(move |conn| contacts::remove(conn, &by, id.0, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A page of contacts: those of one page of customers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ContactPage {
    pub data: Vec<ContactDto>,
    /// The cursor of the next page of customers.
    pub next_cursor: Option<String>,
}

/// The contacts of one page of the customers a list query selects (scope,
/// filters and masking as that list), for exports.
pub(crate) async fn contact_page(
    state: web::Data<AppState>,
    user: AuthUser,
    q: crate::routes::customers::ListCustomersQuery,
) -> Result<ContactPage, ApiError> {
    let customers = crate::routes::customers::page(state.clone(), user, q).await?;
    let owners: std::collections::HashMap<i64, Option<i64>> = customers
        .data
        .iter()
        .map(|c| (c.id, c.owner.as_ref().map(|o| o.id)))
        .collect();
    let ids: Vec<i64> = owners.keys().copied().collect();
    let (rows, mut custom, masking) = state
        .read(move |conn| {
            let masking = persistence::customers::masking(conn, &user.principal())?;
            let rows = contacts::list_for_many(conn, &ids)?;
            let contact_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let custom = crate::custom::values(conn, CONTACT, &contact_ids)?;
            Ok((rows, custom, masking))
        })
        .await?;
    let data = rows
        .into_iter()
        .map(|r| {
            let masked = masking.masks(owners.get(&r.customer_id).copied().flatten());
            let custom_fields = custom.remove(&r.id).unwrap_or_default();
            ContactDto::try_from(r).map(|c| ContactDto { custom_fields, ..c }.masked_if(masked))
        })
        .collect::<Result<_, _>>()?;
    Ok(ContactPage {
        data,
        next_cursor: customers.next_cursor,
    })
}
