//! Query strings and path ids, read with problem+json failures: unknown
//! parameters refused, bad values named, ids positive, and an integer written
//! `5.0` read as 5 (as JSON Schema, and so the OpenAPI document, counts it).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use domain::vocabulary::FieldCode;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode, FieldError};

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
            FieldCode::NulCharacter,
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
            FieldCode::Length,
            format!("at most {limit} characters"),
        )]));
    }
    // ids are positive, as the document says of every `id` and `*_id` (an
    // `owner_id=0` filter is a mistake, not a request for nothing)
    if let Some((k, _)) = form_urlencoded::parse(qs.as_bytes()).find(|(k, v)| {
        (k == "id" || k.ends_with("_id")) && integral(v).unwrap_or(v).trim().parse::<i64>().is_ok_and(|n| n < 1)
    }) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("query parameter `{k}` is an id: 1 or more"),
        )
        .with_errors(vec![FieldError::new(
            k.into_owned(),
            FieldCode::Range,
            "an id is 1 or more",
        )]));
    }
    let read = |qs: &str| {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(qs.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
    };
    let mut result = read(qs);
    let mut pairs: Vec<(String, String)> = match result {
        Ok(_) => Vec::new(),
        Err(_) => form_urlencoded::parse(qs.as_bytes()).into_owned().collect(),
    };
    // an integer written `5.0` is read again as `5`: only the parameter that
    // failed, so a text parameter keeps what was sent
    for _ in 0..pairs.len() {
        let Err(err) = &result else { break };
        let failed = err.path().to_string();
        let Some(pair) = pairs.iter_mut().find(|(k, v)| *k == failed && integral(v).is_some()) else {
            break;
        };
        pair.1 = integral(&pair.1).unwrap_or_default().to_owned();
        result = read(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish(),
        );
    }
    result.map_err(|err| {
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
        std::future::ready(path_id(req, "id").map(PathId))
    }
}

/// A positive integer id from the path segment `name`, else 400 naming it.
pub fn path_id(req: &HttpRequest, name: &str) -> Result<i64, ApiError> {
    let raw = req.match_info().get(name).unwrap_or("");
    match integral(raw).unwrap_or(raw).parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => {
            // `PATCH /customers/transfer` reached `/customers/{id}` (or `GET
            // /commissions/statements/approve` reached `.../{user_id}`): the
            // path is a fixed route that does not take this method
            let table = req.app_data::<actix_web::web::Data<crate::route_table::RouteTable>>();
            Err(match table.and_then(|t| t.allowed_literal(req.path())) {
                Some(methods) => crate::route_table::method_not_allowed(req.method(), &methods),
                None => {
                    ApiError::bad_request(ErrorCode::InvalidPath, format!("`{raw}` is not a record id")).with_errors(
                        vec![FieldError::new(name, FieldCode::InvalidType, "a positive integer id")],
                    )
                }
            })
        }
    }
}

/// `"5.0"` is the integer 5 to JSON Schema (and to clients generated from the
/// document): the digits before a fraction of only zeros, else `None`.
pub fn integral(raw: &str) -> Option<&str> {
    let (whole, fraction) = raw.split_once('.')?;
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let numeric = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    (numeric && !fraction.is_empty() && fraction.bytes().all(|b| b == b'0')).then_some(whole)
}

/// Turns a serde message at `path` into a field error naming the field.
pub(crate) fn field_error(path: &str, message: &str) -> FieldError {
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
            FieldCode::UnknownField,
            format!("`{name}` is not a field of this request"),
        );
    }
    if let Some(name) = between(&message, "missing field `", "`") {
        return FieldError::new(join(name), FieldCode::Required, format!("`{name}` is required"));
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    let code = if message.starts_with("unknown variant") {
        FieldCode::UnknownValue
    } else if let Some(refusal) = domain::money::MoneyError::from_message(&message) {
        refusal.code()
    } else {
        FieldCode::InvalidType
    };
    FieldError::new(field, code, message)
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}
