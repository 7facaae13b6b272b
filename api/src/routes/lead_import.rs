//! Bulk import for scripts: up to 10,000 leads a request as a JSON array,
//! NDJSON, or CSV with a header row (column mapping in the request). The answer
//! lists every row: created, duplicate (of which lead or customer) or invalid.
//! One transaction: what is answered as created is committed. Retrying with the
//! same `Idempotency-Key` replays the answer and creates nothing.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::auth::ApiScope;
use domain::org::Role;
use persistence::leads::Duplicate;
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::Query;
use crate::routes::lead_forms::LEAD_FIELDS;
use crate::routes::leads::{Codes, DuplicateOf, LeadInput, prepare};
use crate::state::AppState;
use persistence::leads::{Incoming, Origin, Router, intake};

pub const MAX_ROWS: usize = 10_000;
pub const IMPORT_BODY_LIMIT: usize = 16 * 1024 * 1024;

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

/// One parsed row: the lead, its raw form, or why it could not be read.
type Parsed = (Result<LeadInput, Vec<FieldError>>, Value);

fn from_value(value: Value) -> Parsed {
    let input = serde_path_to_error::deserialize::<_, LeadInput>(&value).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let field = msg
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
            .map_or(path, str::to_owned);
        vec![FieldError::new(
            if field == "." { "row".into() } else { field },
            "invalid",
            msg,
        )]
    });
    (input, value)
}

fn parse_rows(content_type: &str, body: &[u8], mapping: &BTreeMap<String, String>) -> Result<Vec<Parsed>, ApiError> {
    match content_type {
        "application/json" => {
            let values: Vec<Value> = crate::extract::parse_json(body)?;
            Ok(values.into_iter().map(from_value).collect())
        }
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request(ErrorCode::MalformedBody, "the body is not UTF-8"))?;
            Ok(text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|line| match serde_json::from_str::<Value>(line) {
                    Ok(v) => from_value(v),
                    Err(e) => (
                        Err(vec![FieldError::new("row", "malformed_json", e.to_string())]),
                        Value::String(line.to_owned()),
                    ),
                })
                .collect())
        }
        "text/csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(body);
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| {
                    ApiError::bad_request(ErrorCode::MalformedCsv, format!("cannot read the header row: {e}"))
                })?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').to_owned())
                .collect();
            let fields: Vec<Option<String>> = headers
                .iter()
                .map(|h| {
                    let target = mapping.get(h).map(String::as_str).unwrap_or(h.as_str());
                    LEAD_FIELDS.contains(&target).then(|| target.to_owned())
                })
                .collect();
            if fields.iter().all(Option::is_none) {
                return Err(ApiError::invalid_field(
                    "mapping",
                    "required",
                    "no column maps to a lead field; give `mapping`",
                ));
            }
            let mut out = Vec::new();
            for record in reader.records() {
                match record {
                    Ok(r) => {
                        let raw: serde_json::Map<String, Value> = headers
                            .iter()
                            .zip(r.iter())
                            .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                            .collect();
                        let mapped: serde_json::Map<String, Value> = fields
                            .iter()
                            .zip(r.iter())
                            .filter_map(|(f, v)| {
                                f.as_ref()
                                    .filter(|_| !v.is_empty())
                                    .map(|f| (f.clone(), Value::String(v.to_owned())))
                            })
                            .collect();
                        out.push((from_value(Value::Object(mapped)).0, Value::Object(raw)));
                    }
                    Err(e) => out.push((
                        Err(vec![FieldError::new("row", "malformed_csv", e.to_string())]),
                        Value::Null,
                    )),
                }
            }
            Ok(out)
        }
        other => Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("`{other}`: send application/json (an array), application/x-ndjson or text/csv"),
        )),
    }
}

/// Imports leads in bulk (admins, managers, or a key with `leads:write`).
#[utoipa::path(
    tag = "leads",
    params(ImportQuery, ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key replays the answer and creates nothing")),
    request_body(content = Vec<LeadInput>, description = "A JSON array; or NDJSON (application/x-ndjson); or CSV with a header row (text/csv)"),
    responses(
        (status = 200, body = ImportResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
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
    let mapping: BTreeMap<String, String> = match &query.0.mapping {
        Some(m) => serde_json::from_str(m).map_err(|e| {
            ApiError::bad_request(
                ErrorCode::InvalidQuery,
                format!("mapping is not a JSON object of strings: {e}"),
            )
            .with_errors(vec![FieldError::new(
                "mapping",
                "invalid_type",
                "a JSON object of strings",
            )])
        })?,
        None => BTreeMap::new(),
    };
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
    let bytes = crate::extract::read_body(body, IMPORT_BODY_LIMIT, crate::extract::BodyTimeout::of(&req)).await?;
    let rows = parse_rows(&content_type, &bytes, &mapping)?;
    if rows.len() > MAX_ROWS {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyRows,
            format!("{} rows: send at most {MAX_ROWS} a request", rows.len()),
        ));
    }
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
    let result = state
        .write(move |conn| {
            let codes = Codes::load(conn)?;
            let mut router = Router::load(conn, sla)?;
            let now = now_utc();
            let mut summary = ImportSummary {
                total: rows.len(),
                ..ImportSummary::default()
            };
            let mut out = Vec::with_capacity(rows.len());
            let mut incoming = Vec::new();
            for (i, (input, raw)) in rows.into_iter().enumerate() {
                match input.and_then(|input| prepare(&input, &codes)) {
                    Err(errors) => {
                        summary.invalid += 1;
                        out.push(ImportRow {
                            row: i + 1,
                            status: RowStatus::Invalid,
                            lead_id: None,
                            duplicate_of: None,
                            errors,
                        });
                    }
                    Ok(prepared) => {
                        out.push(ImportRow {
                            row: i + 1,
                            status: RowStatus::Created,
                            lead_id: None,
                            duplicate_of: None,
                            errors: Vec::new(),
                        });
                        incoming.push(Incoming {
                            row: prepared,
                            raw_payload: Some(raw.to_string()),
                        });
                    }
                }
            }
            let stored = intake(conn, &mut router, incoming, origin, None, now)?;
            let pending = out.iter_mut().filter(|r| r.status == RowStatus::Created);
            for (row, done) in pending.zip(stored) {
                row.lead_id = Some(done.id);
                row.duplicate_of = done.duplicate.map(|d| match d {
                    Duplicate::Customer { id, .. } => DuplicateOf { kind: "customer", id },
                    Duplicate::Lead { id, .. } => DuplicateOf { kind: "lead", id },
                });
                if row.duplicate_of.is_some() {
                    row.status = RowStatus::Duplicate;
                    summary.duplicates += 1;
                } else {
                    summary.created += 1;
                }
            }
            Ok(ImportResult { summary, rows: out })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
