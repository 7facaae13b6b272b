//! Request extractors whose failures are problem+json: a JSON body that rejects
//! unknown fields and names every bad field, query strings likewise, numeric path
//! ids, and `If-Match` preconditions.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ErrorCode, FieldError};

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
            "nul_character",
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
                serde_json::error::Category::Data => {
                    Err(ApiError::validation(vec![field_error(&path, &inner.to_string())]))
                }
                _ => Err(ApiError::bad_request(
                    ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {inner}"),
                )),
            }
        }
    }
}

/// Does a JSON text contain the escape `\u0000` (not an escaped backslash
/// followed by `u0000`)? PostgreSQL cannot store NUL in text, and no business
/// field needs it, so it is refused up front rather than failing in the database.
fn has_escaped_nul(bytes: &[u8]) -> bool {
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

/// Turns a serde message at `path` into a field error naming the field.
fn field_error(path: &str, message: &str) -> FieldError {
    let message = message.split(" at line ").next().unwrap_or(message).to_owned();
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else if path.ends_with(name) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = between(&message, "unknown field `", "`") {
        return FieldError::new(
            join(name),
            "unknown_field",
            format!("`{name}` is not a field of this request"),
        );
    }
    if let Some(name) = between(&message, "missing field `", "`") {
        return FieldError::new(join(name), "required", format!("`{name}` is required"));
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    let code = if message.starts_with("unknown variant") {
        "unknown_value"
    } else {
        "invalid_type"
    };
    FieldError::new(field, code, message)
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
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
                    out.push(FieldError::new(path.clone(), e.code.to_string(), message));
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

/// A query string: unknown parameters refused, bad values named.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// The longest value a query parameter may have (a cursor over long names is
/// the longest real one); a huge LIKE pattern would make SQLite fail
/// ("pattern too complex") instead of answer.
pub const MAX_QUERY_VALUE: usize = 2_000;
/// The longest search text (`q`), as the OpenAPI document says.
pub const MAX_SEARCH_TEXT: usize = 200;

fn query_value_limit(name: &str) -> usize {
    if name == "q" { MAX_SEARCH_TEXT } else { MAX_QUERY_VALUE }
}

pub fn parse_query<T: DeserializeOwned>(qs: &str) -> Result<T, ApiError> {
    if let Some((k, _)) = form_urlencoded::parse(qs.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "query parameters may not contain NUL characters",
        )
        .with_errors(vec![FieldError::new(
            k.replace('\0', ""),
            "nul_character",
            "remove the NUL character",
        )]));
    }
    if let Some((k, v)) = form_urlencoded::parse(qs.as_bytes()).find(|(k, v)| v.chars().count() > query_value_limit(k))
    {
        let limit = query_value_limit(&k);
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!(
                "query parameter `{k}` has {} characters; at most {limit}",
                v.chars().count()
            ),
        )
        .with_errors(vec![FieldError::new(
            k.into_owned(),
            "length",
            format!("at most {limit} characters"),
        )]));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(qs.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let mut fe = field_error(&path, &message);
        if fe.field == "body" {
            fe.field = "query".into();
        }
        ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("query parameter `{}`: {}", fe.field, fe.message),
        )
        .with_errors(vec![fe])
    })
}

/// The numeric `{id}` of a path.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = path_id(req, "id").map_err(|e| {
            // `PATCH /customers/transfer` reached `/customers/{id}`: the path is a
            // fixed route that does not take this method
            let table = req.app_data::<actix_web::web::Data<crate::middleware::RouteTable>>();
            match table.and_then(|t| t.allowed_literal(req.path())) {
                Some(methods) => crate::middleware::method_not_allowed(req.method(), &methods),
                None => e,
            }
        });
        std::future::ready(result.map(PathId))
    }
}

/// A positive integer id from the path segment `name`, else 400 naming it.
pub fn path_id(req: &HttpRequest, name: &str) -> Result<i64, ApiError> {
    let raw = req.match_info().get(name).unwrap_or("");
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(
            ApiError::bad_request(ErrorCode::InvalidPath, format!("`{raw}` is not a record id"))
                .with_errors(vec![FieldError::new(name, "invalid_type", "a positive integer id")]),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_nul_is_found_but_an_escaped_backslash_is_not() {
        assert!(has_escaped_nul(br#"{"name": "a\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"name": "a\\\u0000b"}"#));
        assert!(!has_escaped_nul(br#"{"name": "a\\u0000b"}"#));
        assert!(!has_escaped_nul(br#"{"name": "plain"}"#));
    }
}
