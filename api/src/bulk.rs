//! Reading bulk imports: a JSON array, NDJSON, or CSV with a header row whose
//! columns map to a record's fields (by name, or through `mapping`). Each row
//! is read on its own, so one bad row is answered beside the good ones.

use domain::vocabulary::FieldCode;
use std::collections::BTreeMap;

use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ErrorCode, FieldError};

/// Rows a request may carry.
pub const MAX_ROWS: usize = 10_000;
/// The largest import body.
pub const IMPORT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// One row: its fields as JSON (or why it could not be read), and its raw form.
pub type RawRow = (Result<Value, Vec<FieldError>>, Value);

/// The media type of the request, lower-case, without parameters.
pub fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The `mapping` query parameter: a JSON object of header name -> field.
pub fn mapping(raw: Option<&str>) -> Result<BTreeMap<String, String>, ApiError> {
    match raw {
        Some(m) => serde_json::from_str(m).map_err(|e| {
            ApiError::bad_request(
                ErrorCode::InvalidQuery,
                format!("mapping is not a JSON object of strings: {e}"),
            )
            .with_errors(vec![FieldError::new(
                "mapping",
                FieldCode::InvalidType,
                "a JSON object of strings",
            )])
        }),
        None => Ok(BTreeMap::new()),
    }
}

/// A row's JSON as `T`, or the field errors naming what is wrong.
pub fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, Vec<FieldError>> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let field = msg
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
            .map_or(path, str::to_owned);
        vec![FieldError::new(
            if field == "." { "row".into() } else { field },
            FieldCode::Invalid,
            msg,
        )]
    })
}

/// What a record's import accepts: its field names, the noun for messages,
/// and how a CSV cell becomes a JSON value for a field.
pub struct Shape {
    pub fields: &'static [&'static str],
    /// Columns `<prefix>.<key>` go into an object `<prefix>` (custom fields), as text.
    pub nested: Option<&'static str>,
    pub noun: &'static str,
    pub cell: fn(&str, &str) -> Value,
}

/// A CSV cell as a JSON string.
pub fn text_cell(_field: &str, value: &str) -> Value {
    Value::String(value.to_owned())
}

/// Reads the rows of a body (at most [`MAX_ROWS`]).
pub fn rows(
    content_type: &str,
    body: &[u8],
    mapping: &BTreeMap<String, String>,
    shape: &Shape,
) -> Result<Vec<RawRow>, ApiError> {
    let rows = match content_type {
        "application/json" => {
            let values: Vec<Value> = crate::extract::parse_json(body)?;
            values.into_iter().map(|v| (Ok(v.clone()), v)).collect()
        }
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request(ErrorCode::MalformedBody, "the body is not UTF-8"))?;
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|line| match serde_json::from_str::<Value>(line) {
                    Ok(v) => (Ok(v.clone()), v),
                    Err(e) => (
                        Err(vec![FieldError::new("row", FieldCode::MalformedJson, e.to_string())]),
                        Value::String(line.to_owned()),
                    ),
                })
                .collect()
        }
        "text/csv" => csv_rows(body, mapping, shape)?,
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                format!("`{other}`: send application/json (an array), application/x-ndjson or text/csv"),
            ));
        }
    };
    if rows.len() > MAX_ROWS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooManyRows,
            format!("{} rows: send at most {MAX_ROWS} a request", rows.len()),
        ));
    }
    Ok(rows.into_iter().map(refuse_nul).collect())
}

/// A row holding NUL in any text is an invalid row naming the field, as a
/// JSON body holding one is refused: PostgreSQL cannot store NUL in text
/// (a CSV or NDJSON cell with one answered 500 there and was stored on
/// SQLite), and no business field needs it.
fn refuse_nul(row: RawRow) -> RawRow {
    match row {
        (Ok(value), raw) => match nul_at(&value, "") {
            Some(field) => (
                Err(vec![FieldError::new(
                    field,
                    FieldCode::NulCharacter,
                    "text may not contain NUL (\\u0000) characters",
                )]),
                raw,
            ),
            None => (Ok(value), raw),
        },
        refused => refused,
    }
}

/// The dotted path of the first string under `value` that holds NUL.
fn nul_at(value: &Value, path: &str) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
            "row".to_owned()
        } else {
            path.to_owned()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v, &join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(join("key"))
            } else {
                nul_at(v, &join(k))
            }
        }),
        _ => None,
    }
}

/// Where a quoted field that is never closed opens (its byte offset), read
/// as RFC 4180 has it: a quote opens a quoted field only at the start of a
/// field, `""` inside one is a quote, and a quote inside an unquoted field
/// is an ordinary character (`5" screen`). The csv reader takes an open
/// quote to the end of the file as one cell, so the rows after it merged
/// into one customer (issue #40 item 9).
pub fn unterminated_quote(body: &[u8]) -> Option<usize> {
    let (mut open, mut at_field_start, mut i) = (None, true, 0);
    while i < body.len() {
        let b = body[i];
        match open {
            Some(_) if b == b'"' && body.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => {
                open = None;
                at_field_start = false;
            }
            Some(_) => {}
            None if b == b'"' && at_field_start => open = Some(i),
            None => at_field_start = matches!(b, b',' | b'\n' | b'\r'),
        }
        i += 1;
    }
    open
}

fn csv_rows(body: &[u8], mapping: &BTreeMap<String, String>, shape: &Shape) -> Result<Vec<RawRow>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::bad_request(ErrorCode::MalformedCsv, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let targets: Vec<&str> = headers
        .iter()
        .map(|h| mapping.get(h).map(String::as_str).unwrap_or(h.as_str()))
        .collect();
    let fields: Vec<Option<&'static str>> = targets
        .iter()
        .map(|t| shape.fields.iter().find(|f| *f == t).copied())
        .collect();
    let nested: Vec<Option<(&'static str, String)>> = targets
        .iter()
        .map(|t| {
            let prefix = shape.nested?;
            let key = t.strip_prefix(prefix)?.strip_prefix('.')?;
            (!key.is_empty()).then(|| (prefix, key.to_owned()))
        })
        .collect();
    if fields.iter().all(Option::is_none) {
        return Err(ApiError::invalid_field(
            "mapping",
            FieldCode::Required,
            format!("no column maps to a {} field; give `mapping`", shape.noun),
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
                let mut mapped: serde_json::Map<String, Value> = fields
                    .iter()
                    .zip(r.iter())
                    .filter_map(|(f, v)| f.filter(|_| !v.is_empty()).map(|f| (f.to_owned(), (shape.cell)(f, v))))
                    .collect();
                for (n, v) in nested.iter().zip(r.iter()) {
                    if let Some((prefix, key)) = n
                        && !v.is_empty()
                    {
                        let object = mapped
                            .entry(prefix.to_owned())
                            .or_insert_with(|| Value::Object(serde_json::Map::new()));
                        if let Some(o) = object.as_object_mut() {
                            o.insert(key.clone(), Value::String(v.to_owned()));
                        }
                    }
                }
                out.push((Ok(Value::Object(mapped)), Value::Object(raw)));
            }
            Err(e) => out.push((
                Err(vec![FieldError::new("row", FieldCode::MalformedCsv, e.to_string())]),
                Value::Null,
            )),
        }
    }
    // a quote left open runs to the end of the file: the last row holds it
    if unterminated_quote(body).is_some()
        && let Some(last) = out.last_mut()
    {
        *last = (
            Err(vec![FieldError::new(
                "row",
                FieldCode::MalformedCsv,
                "a quote (\") opened in this row is never closed: the rows after it would be read as one cell",
            )]),
            std::mem::take(&mut last.1),
        );
    }
    Ok(out)
}
