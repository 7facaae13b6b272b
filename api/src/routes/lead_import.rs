//! Bulk import for scripts: up to 10,000 leads a request as a JSON array,
//! NDJSON, or CSV with a header row (column mapping in the request). The answer
//! lists every row: created, duplicate (of which lead or customer) or invalid.
//! One transaction: what is answered as created is committed. Retrying with the
//! same `Idempotency-Key` replays the answer and creates nothing.

use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::auth::ApiScope;
use domain::org::Role;
use persistence::leads::{self, Duplicate, LeadRowOutcome, Origin};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::Query;
use crate::routes::lead_forms::LEAD_FIELDS;
use crate::routes::leads::{Codes, DuplicateOf, LeadInput, prepare};
use crate::state::AppState;

pub use crate::bulk::{IMPORT_BODY_LIMIT, MAX_ROWS};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// For CSV: a JSON object mapping header names to lead fields, e.g. `{"公司":"company","手机":"phone"}`.
    /// Headers already named like lead fields need no mapping.
    pub mapping: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Created,
    Duplicate,
    Invalid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRow {
    /// 1-based position among the data rows.
    pub row: usize,
    pub status: RowStatus,
    /// The stored lead (created and duplicate rows are both kept).
    pub lead_id: Option<i64>,
    pub duplicate_of: Option<DuplicateOf>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportSummary {
    pub total: usize,
    pub created: usize,
    pub duplicates: usize,
    pub invalid: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub summary: ImportSummary,
    pub rows: Vec<ImportRow>,
}

const SHAPE: crate::bulk::Shape = crate::bulk::Shape {
    fields: &LEAD_FIELDS,
    nested: Some("custom_fields"),
    noun: "lead",
    cell: crate::bulk::text_cell,
};

/// Imports leads in bulk (admins, managers, or a key with `leads:write`).
#[utoipa::path(
    tag = "leads",
    params(ImportQuery, ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key replays the answer and creates nothing")),
    request_body(content = Vec<LeadInput>, description = "A JSON array; or NDJSON (application/x-ndjson); or CSV with a header row (text/csv)"),
    responses(
        (status = 200, body = ImportResult),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 413, response = crate::responses::PayloadTooLarge),
        (status = 415, response = crate::responses::UnsupportedMediaType),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"]))
)]
#[post("/leads/import")]
pub async fn import_leads(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: Query<ImportQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsWrite)?;
    if matches!(&caller, Caller::User(u) if u.role == Role::Rep) {
        return Err(ApiError::forbidden(
            "only managers, admins and integration keys import leads",
        ));
    }
    let mapping = crate::bulk::mapping(query.0.mapping.as_deref())?;
    let content_type = crate::bulk::content_type(&req);
    let from_csv = content_type == "text/csv";
    let bytes = crate::extract::read_body(body, IMPORT_BODY_LIMIT, crate::extract::BodyTimeout::of(&req)).await?;
    let rows: Vec<(Result<LeadInput, Vec<FieldError>>, Value)> =
        crate::bulk::rows(&content_type, &bytes, &mapping, &SHAPE)?
            .into_iter()
            .map(|(fields, raw)| (fields.and_then(|v| crate::bulk::typed(&v)), raw))
            .collect();
    let origin = match &caller {
        Caller::User(u) => Origin {
            created_by: Some(u.id),
            ..Origin::default()
        },
        Caller::Key(k) => Origin {
            api_key_id: Some(k.key_id),
            ..Origin::default()
        },
    };
    let sla = state.limits.first_contact_sla;
    let rows: Vec<_> = rows.into_iter().map(|(input, raw)| (input, raw.to_string())).collect();
    let checker = move |codes, defs: Vec<_>| {
        let codes = Codes::from_list(codes);
        move |input: LeadInput| {
            let prepared = prepare(&input, &codes)?;
            Ok((
                prepared,
                crate::custom::import_cells(&defs, input.custom_fields, from_csv)?,
            ))
        }
    };
    let outcomes = state
        .write(move |conn| Ok(leads::import_rows(conn, origin, rows, checker, sla, now_utc())?))
        .await?;
    let mut summary = ImportSummary {
        total: outcomes.len(),
        ..ImportSummary::default()
    };
    let rows = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| match outcome {
            LeadRowOutcome::Invalid(errors) => {
                summary.invalid += 1;
                ImportRow {
                    row: i + 1,
                    status: RowStatus::Invalid,
                    lead_id: None,
                    duplicate_of: None,
                    errors,
                }
            }
            LeadRowOutcome::Stored { id, duplicate } => {
                let duplicate_of = duplicate.map(|d| match d {
                    Duplicate::Customer { id, .. } => DuplicateOf { kind: "customer", id },
                    Duplicate::Lead { id, .. } => DuplicateOf { kind: "lead", id },
                });
                let status = if duplicate_of.is_some() {
                    summary.duplicates += 1;
                    RowStatus::Duplicate
                } else {
                    summary.created += 1;
                    RowStatus::Created
                };
                ImportRow {
                    row: i + 1,
                    status,
                    lead_id: Some(id),
                    duplicate_of,
                    errors: Vec::new(),
                }
            }
        })
        .collect();
    let result = ImportResult { summary, rows };
    Ok(HttpResponse::Ok().json(result))
}
