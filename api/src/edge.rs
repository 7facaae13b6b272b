//! What browsers and mobile clients need at the edge of every answer: CORS
//! for allowed origins, `304 Not Modified` for an unchanged read, and problem
//! details in Chinese for clients that ask for them. Compression is actix's
//! own `Compress`, wrapped in startup.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::{PROBLEM_JSON, zh};

/// `CRM_CORS_ORIGINS`: the browser origins allowed to call the API (none by
/// default; `*` allows any). The public web-form endpoint answers every
/// origin on its own.
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins {
    any: bool,
    origins: Vec<String>,
}

impl CorsOrigins {
    /// Comma-separated origins such as `https://app.example.com`.
    pub fn parse(list: &str) -> Result<CorsOrigins, String> {
        let mut allowed = CorsOrigins::default();
        for origin in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            if origin == "*" {
                allowed.any = true;
                continue;
            }
            let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
            if !scheme_ok || origin.ends_with('/') || origin[origin.find("://").map_or(0, |i| i + 3)..].contains('/') {
                return Err(format!(
                    "CRM_CORS_ORIGINS: `{origin}` is not an origin (scheme://host[:port], no path)"
                ));
            }
            allowed.origins.push(origin.to_ascii_lowercase());
        }
        Ok(allowed)
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.any || self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, Accept-Language, X-Api-Key";
const EXPOSE_HEADERS: &str = "ETag, Location, Retry-After, Idempotent-Replayed, Content-Disposition";

/// Answers preflights from allowed origins and marks their answers readable
/// by the page. Credentials stay off: browsers send the bearer token
/// themselves. Other origins get no CORS headers at all.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let forms = req.path().starts_with("/api/v1/forms/");
    let allowed = match (&origin, req.app_data::<web::Data<CorsOrigins>>()) {
        (Some(o), Some(list)) if !forms => list.allows(o),
        _ => false,
    };
    let Some(origin) = origin.filter(|_| allowed) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let origin_value = HeaderValue::from_str(&origin).ok();
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let mut res = HttpResponse::NoContent();
        if let Some(o) = origin_value {
            res.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, o));
        }
        res.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .insert_header((header::VARY, "Origin"));
        return Ok(req.into_response(res.finish()));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers_mut();
    if let Some(o) = origin_value {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    Ok(res)
}

/// Does an `If-None-Match` list name this entity tag (weak comparison)?
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = bare(etag);
    if_none_match.split(',').any(|t| t.trim() == "*" || bare(t) == tag)
}

/// A GET whose `If-None-Match` names the answer's ETag gets `304 Not
/// Modified` with that ETag and no body.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let wanted = match *req.method() {
        Method::GET | Method::HEAD => req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        _ => None,
    };
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(wanted) = wanted else { return Ok(res) };
    let etag = res.headers().get(header::ETAG).and_then(|v| v.to_str().ok());
    if res.status() != StatusCode::OK || !etag.is_some_and(|e| none_match(&wanted, e)) {
        return Ok(res);
    }
    let mut answer = HttpResponse::NotModified();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(v) = res.headers().get(&name) {
            answer.insert_header((name, v.clone()));
        }
    }
    Ok(res.into_response(answer.finish()))
}

/// Problem answers in Chinese when `Accept-Language` prefers it: `title` and
/// `detail` translated; `type`, `code`, `errors[].field` and `context` kept.
pub async fn localise(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let wants_zh = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(zh::prefers_zh);
    let res = next.call(req).await?.map_into_boxed_body();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !wants_zh || !is_problem {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let status = res.status();
    let headers = res.headers().clone();
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
    let mut problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(p) = problem.as_object_mut() {
        let code = p
            .get("code")
            .and_then(|c| c.as_str())
            .and_then(|c| crate::error::ErrorCode::ALL.iter().find(|k| k.as_str() == c).copied());
        p.insert("title".into(), zh::title(status.as_u16()).into());
        if let Some(code) = code {
            let mut detail = zh::detail(code).to_owned();
            let fields: Vec<&str> = p
                .get("errors")
                .and_then(|e| e.as_array())
                .map(|errors| errors.iter().filter_map(|e| e.get("field")?.as_str()).collect())
                .unwrap_or_default();
            if !fields.is_empty() {
                detail.push_str(&format!("（{}）", fields.join("、")));
            }
            p.insert("detail".into(), detail.into());
        }
    }
    let mut answer = HttpResponse::build(status);
    for (name, value) in headers.iter() {
        if name != header::CONTENT_LENGTH {
            answer.append_header((name.clone(), value.clone()));
        }
    }
    answer.insert_header((header::CONTENT_LANGUAGE, "zh-CN"));
    let body = serde_json::to_string(&problem).unwrap_or_else(|_| "{}".into());
    Ok(ServiceResponse::new(req, answer.body(body)))
}
