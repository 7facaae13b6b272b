//! Who is calling: a signed-in user (Bearer access token) or an integration
//! (`X-Api-Key`). Extractors carry the caller into every handler, so each
//! operation can scope its query to what the caller may see.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::auth::{ApiScope, parse_scope_list};
use domain::org::Role;

use crate::error::ApiError;
use crate::security::sha256_hex;
use crate::state::AppState;

pub const API_KEY_HEADER: &str = "x-api-key";

/// A user authenticated by an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub department_id: Option<i64>,
}

/// An integration authenticated by an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCaller {
    pub key_id: i64,
    pub scopes: Vec<ApiScope>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    User(AuthUser),
    Key(KeyCaller),
}

impl Caller {
    /// A user of any role, or a key holding `scope`.
    pub fn require_user_or_scope(&self, scope: ApiScope) -> Result<(), ApiError> {
        match self {
            Caller::User(_) => Ok(()),
            Caller::Key(k) if k.scopes.contains(&scope) => Ok(()),
            Caller::Key(_) => Err(ApiError::forbidden(format!("this API key lacks the `{scope}` scope"))),
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<Result<&str, ApiError>> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("");
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Some(Err(ApiError::unauthorized(
            "invalid_token",
            "use `Authorization: Bearer <access token>`",
        )));
    }
    Some(Ok(token.trim()))
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))
}

fn user_from_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state
        .jwt
        .verify(token)
        .map_err(|e| ApiError::unauthorized("invalid_token", format!("the access token is not valid: {e}")))?;
    let id = claims.sub.parse::<i64>().ok();
    let role = claims.role.parse::<Role>().ok();
    match (id, role) {
        (Some(id), Some(role)) => Ok(AuthUser {
            id,
            role,
            department_id: claims.dept,
        }),
        _ => Err(ApiError::unauthorized(
            "invalid_token",
            "the access token names no known user or role",
        )),
    }
}

/// The caller's identity for idempotency records, without touching the
/// database: the user id of a valid token, or the hash of a presented key.
pub fn caller_identity(state: &AppState, req: &actix_web::dev::ServiceRequest) -> Option<String> {
    if let Some(Ok(token)) = bearer(req.request()) {
        return user_from_token(state, token).ok().map(|u| format!("user:{}", u.id));
    }
    let key = req.headers().get(API_KEY_HEADER)?.to_str().ok()?;
    Some(format!("key:{}", sha256_hex(key.trim().as_bytes())))
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = (|| {
            let state = state(req)?;
            match bearer(req) {
                Some(token) => user_from_token(&state, token?),
                None if req.headers().contains_key(API_KEY_HEADER) => Err(ApiError::forbidden(
                    "this operation is for signed-in users, not API keys",
                )),
                None => Err(ApiError::unauthorized(
                    "unauthenticated",
                    "sign in and send `Authorization: Bearer <access token>`",
                )),
            }
        })();
        std::future::ready(result)
    }
}

/// An admin user; anyone else gets 403.
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let result = AuthUser::from_request(req, payload).into_inner().and_then(|u| {
            if u.role == Role::Admin {
                Ok(AdminUser(u))
            } else {
                Err(ApiError::forbidden("only an admin may do this"))
            }
        });
        std::future::ready(result)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state(req);
        let token = bearer(req).map(|t| t.map(str::to_owned));
        let key = req
            .headers()
            .get(API_KEY_HEADER)
            .map(|v| v.to_str().unwrap_or("").trim().to_owned());
        Box::pin(async move {
            let state = state?;
            if let Some(token) = token {
                return user_from_token(&state, &token?).map(Caller::User);
            }
            let Some(key) = key else {
                return Err(ApiError::unauthorized(
                    "unauthenticated",
                    "send `Authorization: Bearer <access token>` or `X-Api-Key: <key>`",
                ));
            };
            let hash = sha256_hex(key.as_bytes());
            let db = state.db.clone();
            let row = web::block(move || {
                db.run(|conn| {
                    let row = persistence::api_keys::find_live_by_hash(conn, &hash)?;
                    if let Some(r) = &row {
                        persistence::api_keys::touch(conn, r, persistence::now_utc())?;
                    }
                    Ok(row)
                })
            })
            .await??;
            let row =
                row.ok_or_else(|| ApiError::unauthorized("invalid_api_key", "the API key is unknown or revoked"))?;
            Ok(Caller::Key(KeyCaller {
                key_id: row.id,
                scopes: parse_scope_list(&row.scopes),
            }))
        })
    }
}
