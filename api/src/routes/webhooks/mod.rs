//! Webhook subscriptions (admin): signed JSON POSTs or WeCom / DingTalk
//! group robots. Their deliveries are in [`deliveries`].

mod deliveries;

pub use deliveries::*;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::events::{EventKind, Target};
use domain::vocabulary::FieldCode;
use persistence::events::webhooks::{self, Change, NewSubscription, SubscriptionRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, PathId, double_option};
use crate::security::random_hex;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: i64,
    pub name: String,
    /// `http` (a signed JSON POST), `wecom` or `dingtalk` (a group robot's markdown message).
    #[schema(example = "http")]
    pub target: String,
    pub url: String,
    #[schema(example = json!(["customer.created", "deal.won"]))]
    pub events: Vec<String>,
    /// Only events of records owned in this department or below.
    pub department_id: Option<i64>,
    /// Only events of records this user owns.
    pub owner_id: Option<i64>,
    /// False when switched off, or disabled after a delivery failed for about a day.
    pub active: bool,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    /// Why the subscription was disabled, when it was.
    pub disabled_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SubscriptionRow> for WebhookDto {
    fn from(r: SubscriptionRow) -> Self {
        WebhookDto {
            events: r.kinds().into_iter().map(|k| k.as_str().to_owned()).collect(),
            id: r.id,
            name: r.name,
            target: r.target,
            url: r.url,
            department_id: r.department_id,
            owner_id: r.owner_id,
            active: r.active,
            consecutive_failures: r.consecutive_failures,
            disabled_reason: r.disabled_reason,
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// A new subscription. For `http`, `secret` is shown this once: verify
/// `X-CRM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    pub secret: Option<String>,
}

const EVENTS_DOC: &str = "customer.created, customer.owner_changed, customer.returned_to_pool, lead.created, lead.assigned, deal.stage_changed, deal.won, deal.lost, contract.submitted, contract.approved, payment.received";

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "ERP sync", min_length = 1, max_length = 100)]
    pub name: String,
    /// `http` (default), `wecom` or `dingtalk`.
    #[schema(example = "http")]
    pub target: Option<String>,
    /// An http(s) address; for robots, the robot's webhook address.
    #[validate(length(min = 8, max = 2000))]
    #[schema(example = "https://erp.example.com/hooks/crm", min_length = 8, max_length = 2000)]
    pub url: String,
    /// One or more of: customer.created, customer.owner_changed, customer.returned_to_pool,
    /// lead.created, lead.assigned, deal.stage_changed, deal.won, deal.lost,
    /// contract.submitted, contract.approved, payment.received.
    #[schema(example = json!(["customer.created", "deal.won"]), min_items = 1)]
    pub events: Vec<String>,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// DingTalk only: the robot's signing secret (加签), if it has one.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[validate(length(min = 8, max = 2000))]
    #[schema(min_length = 8, max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    /// `true` re-enables a disabled subscription; `false` pauses it.
    pub active: Option<bool>,
}

/// Refuses a URL whose host the server does not send to (loopback,
/// private, link-local, ...: `crate::outbound`), as written or resolved.
async fn check_reach(state: &AppState, url: &str, errors: &mut Vec<FieldError>) -> Result<(), ApiError> {
    if !errors.iter().all(|e| e.field != "url") {
        return Ok(());
    }
    let (url, allow) = (url.to_owned(), state.limits.outbound_allow.clone());
    let refused = web::block(move || crate::outbound::check(&url, &allow))
        .await
        .map_err(ApiError::internal)?;
    if let Some(r) = refused {
        errors.push(FieldError::new(
            "url",
            FieldCode::Address,
            format!(
                "its host is {}; the server sends only to public addresses (an operator may allow others: CRM_OUTBOUND_ALLOW)",
                r.describe()
            ),
        ));
    }
    Ok(())
}

fn check_url(url: &str, errors: &mut Vec<FieldError>) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && !url.chars().any(char::is_whitespace);
    if !ok {
        errors.push(FieldError::new(
            "url",
            FieldCode::Format,
            "an http:// or https:// address",
        ));
    }
}

fn parse_events(list: &[String], errors: &mut Vec<FieldError>) -> Vec<EventKind> {
    if list.is_empty() {
        errors.push(FieldError::new(
            "events",
            FieldCode::Required,
            format!("give at least one of: {EVENTS_DOC}"),
        ));
    }
    let mut kinds = Vec::new();
    for (i, e) in list.iter().enumerate() {
        match e.parse::<EventKind>() {
            Ok(k) if !kinds.contains(&k) => kinds.push(k),
            Ok(_) => {}
            Err(err) => errors.push(FieldError::new(
                format!("events.{i}"),
                FieldCode::UnknownValue,
                format!("{err}; one of: {EVENTS_DOC}"),
            )),
        }
    }
    kinds
}

/// Lists webhook subscriptions (admin).
#[utoipa::path(
    tag = "webhooks",
    responses(
        (status = 200, body = Vec<WebhookDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, ApiError> {
    let rows = state.read(|conn| Ok(webhooks::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(WebhookDto::from).collect::<Vec<_>>()))
}

/// Subscribes an address or a chat robot to events (admin). Each event
/// committed afterwards is delivered once, retried with exponential backoff
/// for about a day; a subscription whose delivery keeps failing is disabled.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses(
        (status = 201, body = CreatedWebhook),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors = Vec::new();
    let target = match b.target.as_deref().unwrap_or("http").parse::<Target>() {
        Ok(t) => t,
        Err(_) => {
            errors.push(FieldError::new(
                "target",
                FieldCode::UnknownValue,
                "one of http, wecom, dingtalk",
            ));
            Target::Http
        }
    };
    check_url(b.url.trim(), &mut errors);
    check_reach(&state, b.url.trim(), &mut errors).await?;
    let events = parse_events(&b.events, &mut errors);
    if b.secret.is_some() && target != Target::DingTalk {
        errors.push(FieldError::new(
            "secret",
            FieldCode::DependsOn,
            "only a DingTalk robot takes a secret; http secrets are generated",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let secret = match target {
        Target::Http => Some(format!("whsec_{}", random_hex(24).map_err(ApiError::internal)?)),
        Target::DingTalk => b.secret,
        Target::WeCom => None,
    };
    let new = NewSubscription {
        name: b.name.trim().to_owned(),
        target,
        url: b.url.trim().to_owned(),
        secret: secret.clone(),
        events,
        department_id: b.department_id,
        owner_id: b.owner_id,
    };
    let row = state
        .write(move |conn| Ok(webhooks::create(conn, admin.0.id, new, now_utc())?))
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("Location", format!("/api/v1/webhooks/{}", row.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedWebhook {
            webhook: row.into(),
            secret: secret.filter(|_| target == Target::Http),
        }))
}

/// One webhook subscription (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id")),
    responses(
        (status = 200, body = WebhookDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(state: web::Data<AppState>, _admin: AdminUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let row = state.read(move |conn| Ok(webhooks::find(conn, id.0)?)).await?;
    Ok(HttpResponse::Ok().json(WebhookDto::from(row)))
}

/// Changes a subscription (admin); `active: true` re-enables a disabled one.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, body = WebhookDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: PathId,
    body: Json<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors = Vec::new();
    if let Some(url) = &b.url {
        check_url(url.trim(), &mut errors);
        check_reach(&state, url.trim(), &mut errors).await?;
    }
    let events = b.events.as_ref().map(|e| parse_events(e, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let change = Change {
        name: b.name.map(|n| n.trim().to_owned()),
        url: b.url.map(|u| u.trim().to_owned()),
        events,
        department_id: b.department_id,
        owner_id: b.owner_id,
        active: b.active,
    };
    let row = state
        .write(move |conn| Ok(webhooks::change(conn, admin.0.id, id.0, change, now_utc())?))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookDto::from(row)))
}

/// Deletes a subscription with its delivery history (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| Ok(webhooks::delete(conn, admin.0.id, id.0, now_utc())?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
