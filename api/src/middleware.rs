//! Cross-cutting request handling: `Idempotency-Key` replay for POSTs, the
//! problem+json guarantee for every error response, and the fallback that
//! tells an unknown path (404) from a wrong method (405).

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use persistence::idempotency::{self, Begin, StoredResponse};
use persistence::now_utc;

use crate::caller::caller_identity;
use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};
use crate::extract::{BodyLimit, DEFAULT_BODY_LIMIT};
use crate::route_table::{RouteTable, method_not_allowed};
use crate::security::sha256_hex;
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// Headers of a stored response that a replay repeats.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Is an answer with this status the same for a retry? Authentication and
/// throttling answers depend on the moment, server failures are retried.
pub fn replayable(status: StatusCode) -> bool {
    !(status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 408 | 429))
}

/// Replays the first answer to a POST retried with the same `Idempotency-Key`
/// by the same caller. A key reused for a different request is 422; a retry
/// while the first is still running is 409.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY).cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    if req.method() != Method::POST || req.path().starts_with("/api/v1/auth/") {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(caller) = caller_identity(&req) else {
        // not authenticated: the handler answers 401 and nothing is stored
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= 255 => k.trim().to_owned(),
        _ => {
            let e = ApiError::bad_request(
                ErrorCode::InvalidIdempotencyKey,
                "Idempotency-Key is 1 to 255 visible ASCII characters",
            );
            return Ok(req.error_response(e));
        }
    };
    // the largest body the route may take (imports; uploads up to the
    // attachment ceiling); the route enforces its own
    let route_max = if req.path().ends_with("/attachments") {
        usize::try_from(domain::attachments::CEILING_BYTES).unwrap_or(usize::MAX)
    } else {
        crate::bulk::IMPORT_BODY_LIMIT
    };
    let limit = req
        .app_data::<BodyLimit>()
        .map_or(DEFAULT_BODY_LIMIT, |l| l.0)
        .max(route_max);
    let timeout = crate::extract::BodyTimeout::of(req.request());
    let body = match req.extract::<web::Payload>().await {
        Ok(p) => match crate::extract::read_body(p, limit, timeout).await {
            Ok(b) => b,
            Err(e) => return Ok(req.error_response(e)),
        },
        Err(e) => return Ok(req.error_response(ApiError::bad_request(ErrorCode::UnreadableBody, e.to_string()))),
    };
    let method = req.method().to_string();
    let target = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let mut fingerprint = format!("{method}\n{target}\n").into_bytes();
    fingerprint.extend_from_slice(&body);
    let request_hash = sha256_hex(&fingerprint);

    let (db, ttl, lease) = (
        state.db.clone(),
        state.limits.idempotency_ttl,
        state.limits.idempotency_lease,
    );
    let (c, k, m, t) = (caller.clone(), key.clone(), method.clone(), target.clone());
    let begun = web::block(move || {
        db.write_autocommit(|conn| {
            let r = idempotency::Request {
                caller: &c,
                key: &k,
                method: &m,
                path: &t,
                request_hash: &request_hash,
            };
            idempotency::begin(conn, &r, now_utc(), ttl, lease)
        })
    })
    .await
    .map_err(ApiError::from)
    .and_then(|r| r.map_err(ApiError::from));
    let id = match begun {
        Ok(Begin::Fresh(id)) => id,
        Ok(Begin::Replay(stored)) => return Ok(req.into_response(replay(&stored))),
        Ok(Begin::InProgress) => {
            let e = ApiError::conflict(
                ErrorCode::IdempotencyInProgress,
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )
            .with_header(header::RETRY_AFTER, "1");
            return Ok(req.error_response(e));
        }
        Ok(Begin::Mismatch) => {
            let e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request; use a new key for a new request",
            );
            return Ok(req.error_response(e));
        }
        Err(e) => return Ok(req.error_response(e)),
    };

    req.set_payload(actix_web::dev::Payload::from(body));
    let renewal = actix_web::rt::spawn(keep_lease(state.clone(), id));
    let res = next.call(req).await;
    renewal.abort();
    let res = match res {
        Ok(res) => res,
        Err(e) => {
            forget(&state, id).await;
            return Err(e);
        }
    };
    let status = res.status();
    let (http_req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            forget(&state, id).await;
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::internal("response body failed").error_response(),
            ));
        }
    };
    if replayable(status) {
        let headers = REPLAYED_HEADERS
            .iter()
            .filter_map(|name| {
                let v = head.headers().get(name)?.to_str().ok()?;
                Some(format!("{name}: {v}\n"))
            })
            .collect::<String>();
        let stored = StoredResponse {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers,
        };
        let db = state.db.clone();
        let saved = web::block(move || db.write_autocommit(|conn| idempotency::complete(conn, id, &stored))).await;
        if !matches!(saved, Ok(Ok(()))) {
            log::error!("idempotency record {id} could not be completed");
        }
    } else {
        forget(&state, id).await;
    }
    Ok(ServiceResponse::new(http_req, head.set_body(BoxBody::new(bytes))))
}

/// Renews the claim's lease every third of it while the request runs; ends
/// when the request does (aborted) or the process dies (the lease runs out).
async fn keep_lease(state: web::Data<AppState>, id: i64) {
    let lease = state.limits.idempotency_lease;
    let every = (lease / 3).to_std().unwrap_or(std::time::Duration::from_secs(10));
    loop {
        actix_web::rt::time::sleep(every).await;
        let db = state.db.clone();
        let renewed =
            web::block(move || db.write_autocommit(|conn| idempotency::renew(conn, id, now_utc(), lease))).await;
        if !matches!(renewed, Ok(Ok(()))) {
            log::warn!("idempotency record {id}: lease not renewed");
        }
    }
}

async fn forget(state: &AppState, id: i64) {
    let db = state.db.clone();
    let _ = web::block(move || db.write_autocommit(|conn| idempotency::abandon(conn, id))).await;
}

fn replay(stored: &StoredResponse) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for line in stored.headers.lines() {
        if let Some((name, value)) = line.split_once(": ")
            && let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value))
        {
            res.insert_header((n, v));
        }
    }
    res.insert_header((HeaderName::from_static(REPLAYED), HeaderValue::from_static("true")));
    res.body(stored.body.clone())
}

/// Every error response leaves as problem+json, whoever produced it.
pub async fn problem_guard<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if status.as_u16() < 400 || is_problem {
        return Ok(res.map_into_left_body());
    }
    let code = match status.as_u16() {
        400 => ErrorCode::BadRequest,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::BodyTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        s if s >= 500 => ErrorCode::InternalError,
        _ => ErrorCode::Error,
    };
    let e = ApiError::new(status, code, status.canonical_reason().unwrap_or("error"));
    Ok(res.into_response(e.error_response()).map_into_right_body())
}

/// Answers requests no route took: 405 naming the allowed methods when the
/// path exists, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    match table.allowed(req.path()) {
        Some(methods) => method_not_allowed(req.method(), &methods).error_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NoRoute,
            format!("there is no route {}", req.path()),
        )
        .error_response(),
    }
}
