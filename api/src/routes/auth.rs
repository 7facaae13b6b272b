//! Sign-in: login with throttling, refresh-token rotation with reuse detection,
//! logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::auth::{RefreshDecision, decide_refresh};
use domain::throttle::{self, Policy};
use persistence::{DbConn, now_utc, sessions, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{ApiError, ErrorCode};
use crate::extract::Json;
use crate::routes::users::UserDto;
use crate::security::{random_hex, sha256_hex, verify_against_dummy, verify_password};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "admin@example.com", min_length = 1, max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// A new access token and the refresh token that replaces the one presented.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires, if not rotated first.
    pub refresh_expires_in: i64,
    pub user: UserDto,
}

fn client_address(req: &HttpRequest) -> String {
    crate::client::client_ip(req).map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// Creates a refresh token in `family` and an access token for `user`.
fn issue_pair(state: &AppState, conn: &mut DbConn, user: &users::UserRow, family: &str) -> Result<TokenPair, ApiError> {
    let now = now_utc();
    let refresh_token = random_hex(32).map_err(ApiError::internal)?;
    sessions::insert(
        conn,
        user.id,
        family,
        &sha256_hex(refresh_token.as_bytes()),
        now + state.limits.refresh_ttl,
        now,
    )?;
    let access = state
        .jwt
        .issue(
            user.id,
            &user.role,
            user.department_id,
            user.token_version,
            now,
            state.limits.access_ttl,
        )
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.limits.access_ttl.num_seconds(),
        refresh_token,
        refresh_expires_in: state.limits.refresh_ttl.num_seconds(),
        user: UserDto::from(user.clone()),
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(ErrorCode::InvalidCredentials, "wrong e-mail or password")
}

/// Signs in with e-mail and password. Five wrong passwords for one account
/// from one client address, or twenty from one address for any accounts,
/// within 15 minutes lock that pair or address for 15 minutes (429 with
/// `Retry-After`); the owner signing in from elsewhere is not locked out. An
/// account guessed from many addresses is slowed down (from the tenth
/// failure, waits of 1, 2, 4 ... at most 60 seconds), never locked.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Unprocessable),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let email = email.trim().to_lowercase();
    let address = client_address(&req);
    let account_key = format!("account:{email}");
    let pair_key = format!("pair:{email}|{address}");
    let address_key = format!("address:{address}");
    let keys = [pair_key, address_key, account_key];

    let (checked, lookup) = (keys.clone(), email.clone());
    let user = state
        .read(move |conn| {
            let now = now_utc();
            for key in &checked {
                if let Err(locked) = throttle::check(persistence::throttle::get(conn, key)?.as_ref(), now) {
                    return Err(ApiError::too_many(
                        locked.retry_after_secs,
                        "too many failed sign-ins; wait before trying again",
                    ));
                }
            }
            Ok(users::find_by_email(conn, &lookup)?)
        })
        .await?;

    let verified = web::block(move || match &user {
        Some(u) if verify_password(&password, &u.password_hash) => Some(u.clone()),
        Some(_) => None,
        None => {
            verify_against_dummy(&password);
            None
        }
    })
    .await?;

    let st = state.clone();
    let outcome = state
        .write(move |conn| {
            let now = now_utc();
            let Some(user) = verified else {
                let [pair, address, account] = &keys;
                for (key, policy) in [
                    (pair, Policy::PAIR),
                    (address, Policy::ADDRESS),
                    (account, Policy::ACCOUNT),
                ] {
                    let next = throttle::record_failure(persistence::throttle::get(conn, key)?, now, policy);
                    persistence::throttle::put(conn, key, &next)?;
                }
                return Ok(None);
            };
            if !user.active {
                return Err(ApiError::forbidden("this account is deactivated"));
            }
            // the right password clears this pair and the account's slow-down
            persistence::throttle::clear(conn, &keys[0])?;
            persistence::throttle::clear(conn, &keys[2])?;
            users::touch_login(conn, user.id, now)?;
            let family = random_hex(16).map_err(ApiError::internal)?;
            issue_pair(&st, conn, &user, &family).map(Some)
        })
        .await?;
    match outcome {
        Some(pair) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(pair)),
        None => Err(invalid_credentials()),
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once:
/// presenting a used one again revokes its whole family (every token issued
/// since that sign-in), as a stolen token would be.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let hash = sha256_hex(body.0.refresh_token.trim().as_bytes());
    let st = state.clone();
    // Reuse must revoke the family even though the request fails, so the
    // outcome is returned as a value and the transaction commits.
    let outcome = state
        .write(move |conn| {
            let now = now_utc();
            let Some(row) = sessions::find_by_hash(conn, &hash)? else {
                return Ok(Err(ApiError::unauthorized(
                    ErrorCode::InvalidRefreshToken,
                    "the refresh token is unknown",
                )));
            };
            match decide_refresh(row.facts(), now) {
                RefreshDecision::Rotate if sessions::mark_rotated(conn, row.id, now)? => {}
                RefreshDecision::Rotate | RefreshDecision::Reuse => {
                    sessions::revoke_family(conn, &row.family, now)?;
                    log::warn!("refresh token reuse for user {}: family revoked", row.user_id);
                    return Ok(Err(ApiError::unauthorized(
                        ErrorCode::RefreshTokenReused,
                        "this refresh token was already used; every session from that sign-in is revoked",
                    )));
                }
                RefreshDecision::Revoked => {
                    return Ok(Err(ApiError::unauthorized(
                        ErrorCode::InvalidRefreshToken,
                        "the refresh token was revoked",
                    )));
                }
                RefreshDecision::Expired => {
                    return Ok(Err(ApiError::unauthorized(
                        ErrorCode::InvalidRefreshToken,
                        "the refresh token has expired",
                    )));
                }
            }
            let user = users::find(conn, row.user_id)?;
            if !user.active {
                sessions::revoke_family(conn, &row.family, now)?;
                return Ok(Err(ApiError::unauthorized(
                    ErrorCode::AccountInactive,
                    "this account is deactivated",
                )));
            }
            issue_pair(&st, conn, &user, &row.family).map(Ok)
        })
        .await?;
    let pair = outcome?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(pair))
}

/// Ends the sign-in the refresh token belongs to (every token of its family).
/// Answers 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let hash = sha256_hex(body.0.refresh_token.trim().as_bytes());
    state
        .write(move |conn| {
            if let Some(row) = sessions::find_by_hash(conn, &hash)? {
                sessions::revoke_family(conn, &row.family, now_utc())?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
