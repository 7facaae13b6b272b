//! Request extractors whose failures are problem+json: a JSON body that rejects
//! unknown fields and names every bad field, query strings likewise, numeric path
//! ids, and `If-Match` preconditions.

use domain::vocabulary::FieldCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ErrorCode, FieldError};
pub use crate::params::*;

/// Largest JSON body accepted, unless a route says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// A JSON body: `application/json` only, size-limited, unknown fields refused
/// (the DTOs use `deny_unknown_fields`), then checked with `validator`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_BODY_LIMIT, |l| l.0);
        let timeout = BodyTimeout::of(req);
        let document = req.app_data::<crate::shape::Document>().cloned();
        let request = req.clone();
        let body = web::Payload::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ));
            }
            let body = body
                .await
                .map_err(|e| ApiError::bad_request(ErrorCode::UnreadableBody, e.to_string()))?;
            let bytes = read_body(body, limit, timeout).await?;
            let value: T = parse_json(&bytes)?;
            // serde reads a struct from an array too, and takes text of only
            // white space where text is required: check the body against the
            // document when it holds an array or such a text
            if let Some(doc) = document
                && (bytes.contains(&b'[') || crate::shape::has_blank_string(&bytes))
                && let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&bytes)
                && let Some(pattern) = request.match_pattern()
                && let Some(e) = crate::shape::mismatch(&doc.0, request.method().as_str(), &pattern, &raw)
            {
                return Err(ApiError::validation(vec![e]));
            }
            value
                .validate()
                .map_err(|e| ApiError::validation(validation_errors(&e)))?;
            Ok(Json(value))
        })
    }
}

/// How long a client has to send a body (app data; 30 s when absent).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

impl BodyTimeout {
    pub fn of(req: &HttpRequest) -> std::time::Duration {
        req.app_data::<BodyTimeout>()
            .map_or(std::time::Duration::from_secs(30), |t| t.0)
    }
}

/// Reads a whole body: at most `limit` bytes (413), within `timeout` (a
/// client that sends headers and then stalls gets 408 and the connection is
/// closed, instead of holding it forever).
pub async fn read_body(
    payload: web::Payload,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<web::Bytes, ApiError> {
    match actix_web::rt::time::timeout(timeout, payload.to_bytes_limited(limit)).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RequestTimeout,
            format!("the request body did not arrive within {} s", timeout.as_secs()),
        )
        .with_header(header::CONNECTION, "close")),
        Ok(Err(_)) => Err(too_large(limit)),
        Ok(Ok(Err(e))) => Err(ApiError::bad_request(ErrorCode::UnreadableBody, e.to_string())),
        Ok(Ok(Ok(bytes))) => Ok(bytes),
    }
}

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::BodyTooLarge,
        format!("the request body exceeds {limit} bytes"),
    )
}

/// Parses JSON, telling malformed syntax (400) from a well-formed body with bad
/// fields (422 naming each one).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            ErrorCode::MalformedJson,
            "the request body is empty; send a JSON object",
        ));
    }
    if has_escaped_nul(bytes) {
        return Err(ApiError::invalid_field(
            "body",
            FieldCode::NulCharacter,
            "text may not contain NUL (\\u0000) characters",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut *de) {
        // one JSON value and nothing after it but white space
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(ApiError::bad_request(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {e}"),
            )),
        },
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => match integral_retry(bytes) {
                    Some(Ok(v)) => Ok(v),
                    Some(Err(e)) => {
                        let path = e.path().to_string();
                        Err(ApiError::validation(vec![field_error(
                            &path,
                            &e.into_inner().to_string(),
                        )]))
                    }
                    None => Err(ApiError::validation(vec![field_error(&path, &inner.to_string())])),
                },
                _ => Err(ApiError::bad_request(
                    ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {inner}"),
                )),
            }
        }
    }
}

/// JSON Schema counts `5.0` as an integer, and so do the clients generated from
/// the document; serde does not. When a body failed on its data and holds a
/// number with no fraction written as a float, it is read again with those
/// numbers as integers (`None` when there was nothing to change, so a normal
/// body is parsed once).
fn integral_retry<T: DeserializeOwned>(
    bytes: &[u8],
) -> Option<Result<T, serde_path_to_error::Error<serde_json::Error>>> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if !integral_floats(&mut value) {
        return None;
    }
    Some(serde_path_to_error::deserialize(value))
}

/// Rewrites every float with no fraction (and exactly representable) as an
/// integer; says whether anything changed.
fn integral_floats(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => match crate::shape::integral_number(n) {
            Some(i) => {
                *value = serde_json::Value::from(i);
                true
            }
            None => false,
        },
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |acc, v| integral_floats(v) | acc),
        serde_json::Value::Object(map) => map.values_mut().fold(false, |acc, v| integral_floats(v) | acc),
        _ => false,
    }
}

/// Does a JSON text contain the escape `\u0000` (not an escaped backslash
/// followed by `u0000`)? PostgreSQL cannot store NUL in text, and no business
/// field needs it, so it is refused up front rather than failing in the database.
pub fn has_escaped_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(pos) = bytes[i..].windows(6).position(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        let at = i + pos;
        let backslashes = bytes[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if backslashes % 2 == 0 {
            return true;
        }
        i = at + 1;
    }
    false
}

/// validator's errors, flattened to one entry per field (nested paths dotted).
pub fn validation_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map_or_else(|| default_message(&e.code), |m| m.to_string());
                    // validator's codes (`length`, `range`, `url`) are field codes
                    let code = e.code.parse().unwrap_or(FieldCode::Invalid);
                    out.push(FieldError::new(path.clone(), code, message));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{path}.{i}"), out);
                }
            }
        }
    }
}

fn default_message(code: &str) -> String {
    match code {
        "length" => "has the wrong length".into(),
        "range" => "is out of range".into(),
        "email" => "is not an e-mail address".into(),
        other => format!("is invalid ({other})"),
    }
}

/// The version an `If-Match` header asks for; `None` when absent or `*`.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return std::future::ready(Ok(IfMatch(None)));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return std::future::ready(Ok(IfMatch(None)));
        }
        let tag = text.trim_start_matches("W/").trim_matches('"');
        // An unparseable tag matches no version: the precondition fails.
        std::future::ready(Ok(IfMatch(Some(tag.parse::<i64>().unwrap_or(-1)))))
    }
}

/// The ETag of a versioned record.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `Some(Some(x))` for a value, `Some(None)` for an explicit `null`, `None` when absent.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
