//! Customer import for scripts and spreadsheets: up to 10,000 customers a
//! request as a JSON array, NDJSON, or CSV with a header row (columns named
//! like the create body's fields, or mapped). Every row is answered: created,
//! duplicate (of which customer: the same normalised name or credit code,
//! already stored or earlier in the file) or invalid. One transaction: what is
//! answered as created is committed; a retry with the same `Idempotency-Key`
//! replays the answer and creates nothing.

use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::vocabulary::FieldCode;
use persistence::customers::{self, RowOutcome};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::bulk::{self, IMPORT_BODY_LIMIT, Shape};
use crate::caller::{Acting, scope};
use crate::error::{ApiError, FieldError};
use crate::extract::Query;
use crate::routes::lead_import::{ImportSummary, RowStatus};
use crate::state::AppState;

use super::*;

/// The create body's fields, as CSV columns.
const FIELDS: [&str; 15] = [
    "name",
    "credit_code",
    "industry",
    "region",
    "size_band",
    "source",
    "grade",
    "tags",
    "owner_id",
    "website",
    "phone",
    "email",
    "address",
    "notes",
    "next_follow_up_at",
];

/// A CSV cell as the create body takes it: `owner_id` a number, `tags`
/// separated by `;`, `,`, `、` or `|`.
fn cell(field: &str, value: &str) -> Value {
    match field {
        "owner_id" => value
            .parse::<i64>()
            .map_or_else(|_| Value::String(value.to_owned()), Value::from),
        "tags" => value
            .split([';', ',', '；', '，', '、', '|'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(t.to_owned()))
            .collect(),
        _ => Value::String(value.to_owned()),
    }
}

const SHAPE: Shape = Shape {
    fields: &FIELDS,
    nested: Some("custom_fields"),
    noun: "customer",
    cell,
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerImportQuery {
    /// For CSV: a JSON object mapping header names to fields, e.g. `{"公司名称":"name","行业":"industry"}`.
    /// Headers already named like fields need no mapping.
    pub mapping: Option<String>,
}

/// The customer a duplicate row names: only its id, name and owner, as a 409 does.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExistingCustomer {
    pub id: i64,
    pub name: String,
    pub in_pool: bool,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// The credit code matched, not the name.
    pub by_credit_code: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerImportRow {
    /// 1-based position among the data rows.
    pub row: usize,
    pub status: RowStatus,
    /// The created customer.
    pub customer_id: Option<i64>,
    pub duplicate_of: Option<ExistingCustomer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerImportResult {
    pub summary: ImportSummary,
    pub rows: Vec<CustomerImportRow>,
}

/// One row read and checked: the customer to create with its custom field
/// values (checked later, against the definitions), or its field errors.
type Prepared = (customers::NewCustomer, crate::custom::Input);

fn prepare(fields: Result<Value, Vec<FieldError>>) -> Result<Prepared, Vec<FieldError>> {
    let body: CreateCustomer = bulk::typed(&fields?)?;
    body.validate().map_err(|e| crate::extract::validation_errors(&e))?;
    let custom = body.custom_fields.clone();
    Ok((new_customer(body).map_err(|e| e.errors.clone())?, custom))
}

/// Imports customers in bulk (any signed-in user, as their own creates; or a
/// key with `customers:write`). Duplicates are answered, never stored twice.
#[utoipa::path(
    tag = "customers",
    params(CustomerImportQuery, ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key replays the answer and creates nothing")),
    request_body(content = Vec<CreateCustomer>, description = "A JSON array; or NDJSON (application/x-ndjson); or CSV with a header row (text/csv; `tags` separated by `;`)"),
    responses(
        (status = 200, body = CustomerImportResult),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 413, response = crate::responses::PayloadTooLarge),
        (status = 415, response = crate::responses::UnsupportedMediaType),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[post("/customers/import")]
pub async fn import_customers(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    req: HttpRequest,
    query: Query<CustomerImportQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mapping = bulk::mapping(query.0.mapping.as_deref())?;
    let content_type = bulk::content_type(&req);
    let bytes = crate::extract::read_body(body, IMPORT_BODY_LIMIT, crate::extract::BodyTimeout::of(&req)).await?;
    let from_csv = content_type == "text/csv";
    let parsed: Vec<_> = bulk::rows(&content_type, &bytes, &mapping, &SHAPE)?
        .into_iter()
        .map(|(fields, _raw)| prepare(fields))
        .collect();
    let by = user.principal();
    let cells_of = move |defs: &[_], custom| crate::custom::import_cells(defs, custom, from_csv);
    let outcomes = state
        .write(move |conn| Ok(customers::import_rows(conn, &by, parsed, cells_of, now_utc())?))
        .await?;
    let mut summary = ImportSummary {
        total: outcomes.len(),
        ..ImportSummary::default()
    };
    let rows: Vec<CustomerImportRow> = outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| {
            let mut row = CustomerImportRow {
                row: i + 1,
                status: RowStatus::Created,
                customer_id: None,
                duplicate_of: None,
                errors: Vec::new(),
            };
            match outcome {
                RowOutcome::Created(id) => row.customer_id = Some(id),
                RowOutcome::Duplicate(e) => {
                    row.status = RowStatus::Duplicate;
                    row.duplicate_of = Some(ExistingCustomer {
                        id: e.row.id,
                        name: e.row.name.clone(),
                        in_pool: e.row.owner_id.is_none(),
                        owner_id: e.row.owner_id,
                        owner_name: e.owner_name,
                        by_credit_code: e.by_credit_code,
                    });
                }
                RowOutcome::Invalid(errors) => {
                    row.status = RowStatus::Invalid;
                    row.errors = errors;
                }
                RowOutcome::Refused(e) => {
                    let refused = ApiError::refused(e);
                    row.status = RowStatus::Invalid;
                    row.errors = if refused.errors.is_empty() {
                        vec![FieldError::new(
                            "owner_id",
                            FieldCode::NotAllowed,
                            refused.detail.clone(),
                        )]
                    } else {
                        refused.errors.clone()
                    };
                }
            }
            match row.status {
                RowStatus::Created => summary.created += 1,
                RowStatus::Duplicate => summary.duplicates += 1,
                RowStatus::Invalid => summary.invalid += 1,
            }
            row
        })
        .collect();
    let result = CustomerImportResult { summary, rows };
    Ok(HttpResponse::Ok().json(result))
}
