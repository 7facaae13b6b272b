//! Web forms: an admin defines a form (public key, field mapping, default
//! source); websites and form services post to it without credentials, as an
//! HTML form (urlencoded, answered with a 303 to the thank-you page) or JSON
//! (CORS open). A honeypot field catches bots; each address is throttled.
//! Every submission is kept, duplicate or not.

use domain::vocabulary::FieldCode;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use chrono::{DateTime, Utc};
use persistence::leads::{self, FormRow, NewFormRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Json;
use crate::routes::leads::{Codes, LeadInput, prepare};
use crate::security::random_hex;
use crate::state::AppState;

/// Lead fields a form field may map to.
pub const LEAD_FIELDS: [&str; 9] = [
    "person_name",
    "company",
    "title",
    "phone",
    "email",
    "region",
    "industry",
    "source",
    "notes",
];
const FORM_BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadForm {
    pub id: i64,
    /// Post submissions to `/api/v1/forms/{public_key}/submissions`.
    pub public_key: String,
    pub name: String,
    /// Form field name -> lead field.
    #[schema(value_type = Object, example = json!({"your-name": "person_name", "tel": "phone"}))]
    pub field_mapping: BTreeMap<String, String>,
    pub default_source: Option<String>,
    pub redirect_url: Option<String>,
    pub honeypot_field: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

fn mapping_of(row: &FormRow) -> BTreeMap<String, String> {
    serde_json::from_str(&row.field_mapping).unwrap_or_default()
}

impl From<FormRow> for LeadForm {
    fn from(r: FormRow) -> Self {
        LeadForm {
            field_mapping: mapping_of(&r),
            id: r.id,
            public_key: r.public_key,
            name: r.name,
            default_source: r.default_source,
            redirect_url: r.redirect_url,
            honeypot_field: r.honeypot_field,
            active: r.active,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadForm {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "官网联系我们", min_length = 1, max_length = 100)]
    pub name: String,
    /// Form field name -> one of person_name, company, title, phone, email, region, industry, source, notes.
    /// Fields named like a lead field need no mapping.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"your-name": "person_name", "tel": "phone"}))]
    pub field_mapping: BTreeMap<String, String>,
    /// A `source` dictionary code for leads from this form.
    #[schema(example = "website")]
    pub default_source: Option<String>,
    /// Where an HTML form's visitor goes after submitting (303).
    #[validate(url)]
    #[schema(format = "uri")]
    pub redirect_url: Option<String>,
    /// A hidden field humans leave empty; submissions that fill it are kept as spam, not leads.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub honeypot_field: Option<String>,
}

/// Lists web forms (admin).
#[utoipa::path(
    tag = "leads",
    responses((status = 200, body = Vec<LeadForm>), (status = 401, response = crate::responses::Unauthorized), (status = 403, response = crate::responses::Forbidden)),
    security(("bearer" = []))
)]
#[get("/lead-forms")]
pub async fn list_lead_forms(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, ApiError> {
    let rows = state.read(|conn| Ok(leads::forms(conn)?)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(LeadForm::from).collect::<Vec<_>>()))
}

/// Defines a web form (admin).
#[utoipa::path(
    tag = "leads",
    request_body = CreateLeadForm,
    responses(
        (status = 201, body = LeadForm),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/lead-forms")]
pub async fn create_lead_form(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateLeadForm>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if let Some((field, target)) = b.field_mapping.iter().find(|(_, t)| !LEAD_FIELDS.contains(&t.as_str())) {
        return Err(ApiError::invalid_field(
            &format!("field_mapping.{field}"),
            FieldCode::UnknownValue,
            format!("`{target}` is not a lead field ({})", LEAD_FIELDS.join(", ")),
        ));
    }
    let public_key = random_hex(12).map_err(ApiError::internal)?;
    let now = persistence::naive_now();
    let new = NewFormRow {
        public_key,
        name: b.name.trim().to_owned(),
        field_mapping: serde_json::to_string(&b.field_mapping).map_err(ApiError::internal)?,
        default_source: b.default_source,
        redirect_url: b.redirect_url,
        honeypot_field: b.honeypot_field,
        created_at: now,
        updated_at: now,
    };
    let row = state
        .write(move |conn| leads::add_form(conn, &new).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(LeadForm::from(row)))
}

/// The submitted fields as text, from an urlencoded or JSON body.
fn fields_of(req: &HttpRequest, body: &[u8]) -> Result<(BTreeMap<String, String>, bool), ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type == "application/x-www-form-urlencoded" {
        let map = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        return Ok((map, true));
    }
    if content_type == "application/json" || content_type.ends_with("+json") {
        let value: serde_json::Value = crate::extract::parse_json(body)?;
        let object = value.as_object().ok_or_else(|| {
            ApiError::invalid_field("body", FieldCode::InvalidType, "send a JSON object of form fields")
        })?;
        let map = object
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        return Ok((map, false));
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "send application/x-www-form-urlencoded or application/json",
    ))
}

fn to_input(form: &FormRow, fields: &BTreeMap<String, String>) -> LeadInput {
    let mapping = mapping_of(form);
    let mut input = LeadInput::default();
    for (name, value) in fields {
        let target = mapping.get(name).map(String::as_str).unwrap_or(name.as_str());
        let slot = match target {
            "person_name" => &mut input.person_name,
            "company" => &mut input.company,
            "title" => &mut input.title,
            "phone" => &mut input.phone,
            "email" => &mut input.email,
            "region" => &mut input.region,
            "industry" => &mut input.industry,
            "source" => &mut input.source,
            "notes" => &mut input.notes,
            _ => continue,
        };
        *slot = Some(value.clone());
    }
    if input.source.is_none() {
        input.source = form.default_source.clone();
    }
    input
}

fn with_cors(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

/// Answers a browser's CORS preflight for submissions.
pub async fn preflight() -> HttpResponse {
    let mut res = with_cors(HttpResponse::NoContent().finish());
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    res
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    pub received: bool,
}

/// Receives a web-form submission (no credentials). HTML forms get a 303 to the
/// form's thank-you page; JSON posts get 201. Every submission is stored.
#[utoipa::path(
    tag = "leads",
    params(("key" = String, Path, description = "The form's public key")),
    request_body(content = Object, content_type = "application/x-www-form-urlencoded", description = "The form's fields (JSON objects are accepted too)"),
    responses(
        (status = 201, body = Received),
        (status = 303, description = "Submitted from an HTML form: go to the thank-you page"),
        (status = 404, response = crate::responses::NotFound),
        (status = 413, response = crate::responses::PayloadTooLarge),
        (status = 415, response = crate::responses::UnsupportedMediaType),
        (status = 422, response = crate::responses::Unprocessable),
        (status = 429, response = crate::responses::TooManyRequests),
    )
)]
#[post("/forms/{key}/submissions")]
pub async fn submit_form(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    match submit(&state, &req, body).await {
        Ok(res) => with_cors(res),
        Err(e) => with_cors(e.error_response()),
    }
}

async fn submit(state: &AppState, req: &HttpRequest, body: web::Payload) -> Result<HttpResponse, ApiError> {
    let key = req.match_info().get("key").unwrap_or("").to_owned();
    let bytes = crate::extract::read_body(body, FORM_BODY_LIMIT, crate::extract::BodyTimeout::of(req)).await?;
    let (fields, html_form) = fields_of(req, &bytes)?;
    let address = crate::client::client_ip(req).map(|a| a.to_string());
    let (per_hour, sla) = (state.limits.form_submissions_per_hour, state.limits.first_contact_sla);
    let submission = leads::Submission {
        key,
        fields,
        address,
        per_hour,
    };
    let prepare = |form: &_, fields: &_, codes| prepare(&to_input(form, fields), &Codes::from_list(codes));
    let (form, taken) = state
        .write(move |conn| {
            leads::submit(conn, submission, prepare, sla, now_utc()).map_err(|e| match e {
                leads::SubmitError::NoSuchForm => ApiError::not_found("form"),
                leads::SubmitError::TooMany => {
                    ApiError::too_many(3600, "too many submissions from this address; try again later")
                }
                leads::SubmitError::Repo(e) => e.into(),
            })
        })
        .await?;
    if let leads::Taken::Invalid(errors) = taken {
        return Err(ApiError::validation(errors));
    }
    match (&form.redirect_url, html_form) {
        (Some(url), true) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url.as_str()))
            .finish()),
        _ => Ok(HttpResponse::Created().json(Received { received: true })),
    }
}
