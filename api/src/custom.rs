//! Custom field values on records: checked against the admin's definitions
//! (422 naming `custom_fields.<key>`), saved in the transaction of the
//! record's write, shown under `custom_fields`, and one list filter a page.

use std::collections::HashMap;

use domain::custom_fields::{self as rules, CustomEntity, Filter};
use domain::vocabulary::FieldCode;
use persistence::DbConn;
use persistence::custom_fields as store;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use crate::error::{ApiError, ErrorCode, FieldError};

/// A custom field's value, by the field's type: text, date (`YYYY-MM-DD`)
/// or select option as a string; a number; a boolean; a multi select's
/// options; money as `{amount, currency}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum CustomValue {
    Text(String),
    Number(f64),
    Boolean(bool),
    Options(Vec<String>),
    Money(domain::money::Money),
}

/// The values given in a create or update body.
pub type Input = Option<Map<String, Value>>;

/// Checks `input` (absent: nothing given) and stores it for the record;
/// on create the required fields must be there.
pub fn write(
    conn: &mut DbConn,
    entity: CustomEntity,
    record_id: i64,
    input: Option<&Map<String, Value>>,
    creating: bool,
) -> Result<(), ApiError> {
    let changes = check(conn, entity, input, creating)?;
    Ok(store::save(conn, entity, record_id, &changes)?)
}

/// The cells to store, or a 422 naming each bad field.
pub fn check(
    conn: &mut DbConn,
    entity: CustomEntity,
    input: Option<&Map<String, Value>>,
    creating: bool,
) -> Result<std::collections::BTreeMap<i64, Vec<rules::Cell>>, ApiError> {
    store::check(conn, entity, input, creating)?.map_err(|refusals| ApiError::validation(field_errors(refusals)))
}

pub fn field_errors(refusals: Vec<rules::Refusal>) -> Vec<FieldError> {
    refusals
        .into_iter()
        .map(|r| FieldError::new(r.field, r.code, r.message))
        .collect()
}

/// The values of records as JSON objects, by record id.
pub fn values(
    conn: &mut DbConn,
    entity: CustomEntity,
    ids: &[i64],
) -> Result<HashMap<i64, Map<String, Value>>, ApiError> {
    Ok(store::values(conn, entity, ids)?)
}

/// The values of one record.
pub fn values_of(conn: &mut DbConn, entity: CustomEntity, id: i64) -> Result<Map<String, Value>, ApiError> {
    Ok(store::values_of(conn, entity, id)?)
}

/// A list's filter on one custom field.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomFilterQuery {
    /// Filter on this custom field's key, with `custom_eq`, or `custom_from`/`custom_to` (numbers, money in minor units, dates).
    pub custom_field: Option<String>,
    /// Equal to (a select's option; a multi select holding it; `true`/`false`).
    pub custom_eq: Option<String>,
    /// At least (inclusive).
    pub custom_from: Option<String>,
    /// At most (inclusive).
    pub custom_to: Option<String>,
}

impl CustomFilterQuery {
    /// The field id and filter asked for, checked against the definitions (400 otherwise).
    pub fn resolve(&self, conn: &mut DbConn, entity: CustomEntity) -> Result<Option<(i64, Filter)>, ApiError> {
        let bad = |code: FieldCode, detail: String| {
            ApiError::bad_request(ErrorCode::InvalidQuery, detail.clone()).with_errors(vec![FieldError::new(
                "custom_field",
                code,
                detail,
            )])
        };
        let Some(key) = self.custom_field.as_deref() else {
            if self.custom_eq.is_some() || self.custom_from.is_some() || self.custom_to.is_some() {
                return Err(bad(FieldCode::DependsOn, "name the field in custom_field".into()));
            }
            return Ok(None);
        };
        let defs = store::defs(conn, entity)?;
        let def = defs
            .iter()
            .find(|d| d.active && d.key == key)
            .ok_or_else(|| bad(FieldCode::NotFound, format!("there is no custom field `{key}`")))?;
        let filter = rules::filter(
            def,
            self.custom_eq.as_deref(),
            self.custom_from.as_deref(),
            self.custom_to.as_deref(),
        )
        .map_err(|e| bad(FieldCode::Invalid, e))?;
        Ok(Some((def.id, filter)))
    }
}

/// The export columns of a kind of record's custom fields.
pub fn columns(conn: &mut DbConn, entity: CustomEntity) -> Result<Vec<String>, ApiError> {
    Ok(store::list_defs(conn, entity, false)?
        .into_iter()
        .map(|d| format!("custom_fields.{}", d.field_key))
        .collect())
}

/// An import row's custom values as cells (from spreadsheet text when the
/// import is CSV), or the row's field errors.
pub fn import_cells(
    defs: &[rules::FieldDef],
    input: Input,
    from_csv: bool,
) -> Result<std::collections::BTreeMap<i64, Vec<rules::Cell>>, Vec<FieldError>> {
    let mut input = input.unwrap_or_default();
    if from_csv {
        for (key, value) in &mut input {
            if let (Some(def), Value::String(text)) = (defs.iter().find(|d| &d.key == key), &value) {
                *value = rules::from_text(def, text);
            }
        }
    }
    rules::check_values(defs, &input, true).map_err(field_errors)
}
