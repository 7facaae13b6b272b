//! Sign-in: login with throttling, refresh-token rotation with reuse detection,
//! logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use persistence::{now_utc, sign_in, users};
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
    /// The `device_token` this client was given when it last signed in to
    /// this account: with it, failures from other clients never refuse this
    /// one (only its own five failures lock it).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub device_token: Option<String>,
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
    /// Sign-in only: keep it and send it with the next sign-in to this
    /// account from this client (valid 180 days), so that guesses from
    /// elsewhere never lock this client out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

fn client_address(req: &HttpRequest) -> String {
    crate::client::client_ip(req).map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// Creates a refresh token in `family` and an access token for `user`.
/// A new refresh token: handed out as is, stored as its hash.
fn new_refresh(state: &AppState) -> Result<(String, sign_in::NewRefresh), ApiError> {
    let token = random_hex(32).map_err(ApiError::internal)?;
    let stored = sign_in::NewRefresh {
        token_hash: sha256_hex(token.as_bytes()),
        expires_at: now_utc() + state.limits.refresh_ttl,
    };
    Ok((token, stored))
}

/// The answer to a sign-in or refresh: a new access token beside the
/// refresh token just stored.
fn token_pair(state: &AppState, user: users::UserRow, refresh_token: String) -> Result<TokenPair, ApiError> {
    let access = state
        .jwt
        .issue(
            user.id,
            &user.role,
            user.department_id,
            user.token_version,
            now_utc(),
            state.limits.access_ttl,
        )
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.limits.access_ttl.num_seconds(),
        refresh_token,
        refresh_expires_in: state.limits.refresh_ttl.num_seconds(),
        user: UserDto::try_from(user)?,
        device_token: None,
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(ErrorCode::InvalidCredentials, "wrong e-mail or password")
}

/// Signs in with e-mail and password. Throttled as OWASP's device cookies
/// have it: a client that signed in to the account before sends the
/// `device_token` it was given, and only its own failures count against it
/// (five within 15 minutes lock that token for 15 minutes), so nobody
/// guessing from elsewhere, from however many addresses, keeps the owner
/// out. A client without one is throttled per account and address (five
/// wrong passwords in 15 minutes lock the pair for 15 minutes), per address
/// (twenty, any accounts) and per account: from the tenth failure for the
/// account from unknown clients, they wait 1, 2, 4 ... at most 60 seconds.
/// A refusal is 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
        (status = 429, response = crate::responses::TooManyRequests),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        email,
        password,
        device_token,
    } = body.0;
    let email = email.trim().to_lowercase();
    let address = client_address(&req);
    let device = device_token
        .as_deref()
        .and_then(|t| state.jwt.known_device(t, &email, now_utc()));
    let client = match device {
        Some(device) => domain::throttle::Client::Known { device },
        None => domain::throttle::Client::Unknown { address: &address },
    };
    let keys = sign_in::ThrottleKeys::new(&email, client);
    let device_email = email.clone();

    let checked = keys.clone();
    let lookup = state
        .read(move |conn| Ok(sign_in::look_up(conn, &checked, &email, now_utc())?))
        .await?;
    let user = match lookup {
        sign_in::Lookup::Locked { retry_after_secs } => {
            return Err(ApiError::too_many(
                retry_after_secs,
                "too many failed sign-ins; wait before trying again",
            ));
        }
        sign_in::Lookup::Account(user) => user,
    };

    let verified = web::block(move || match &user {
        Some(u) if verify_password(&password, &u.password_hash) => Some(u.clone()),
        Some(_) => None,
        None => {
            verify_against_dummy(&password);
            None
        }
    })
    .await?;

    let family = random_hex(16).map_err(ApiError::internal)?;
    let (refresh_token, stored) = new_refresh(&state)?;
    let outcome = state
        .write(move |conn| Ok(sign_in::record(conn, &keys, verified, &family, &stored, now_utc())?))
        .await?;
    match outcome {
        sign_in::SignIn::Done(user) => {
            let mut pair = token_pair(&state, user, refresh_token)?;
            pair.device_token = Some(
                state
                    .jwt
                    .device_token(&device_email, now_utc())
                    .map_err(ApiError::internal)?,
            );
            Ok(HttpResponse::Ok()
                .insert_header(("Cache-Control", "no-store"))
                .json(pair))
        }
        sign_in::SignIn::Inactive => Err(ApiError::forbidden("this account is deactivated")),
        sign_in::SignIn::Refused => Err(invalid_credentials()),
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
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let hash = sha256_hex(body.0.refresh_token.trim().as_bytes());
    let (refresh_token, next) = new_refresh(&state)?;
    let outcome = state
        .write(move |conn| Ok(sign_in::rotate(conn, &hash, &next, now_utc())?))
        .await?;
    let refused = |code, detail| Err(ApiError::unauthorized(code, detail));
    match outcome {
        sign_in::Refreshed::Done(user) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(token_pair(&state, user, refresh_token)?)),
        sign_in::Refreshed::Unknown => refused(ErrorCode::InvalidRefreshToken, "the refresh token is unknown"),
        sign_in::Refreshed::Reused => refused(
            ErrorCode::RefreshTokenReused,
            "this refresh token was already used; every session from that sign-in is revoked",
        ),
        sign_in::Refreshed::Revoked => refused(ErrorCode::InvalidRefreshToken, "the refresh token was revoked"),
        sign_in::Refreshed::Expired => refused(ErrorCode::InvalidRefreshToken, "the refresh token has expired"),
        sign_in::Refreshed::Inactive => refused(ErrorCode::AccountInactive, "this account is deactivated"),
    }
}

/// Ends the sign-in the refresh token belongs to (every token of its family).
/// Answers 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 422, response = crate::responses::Unprocessable),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let hash = sha256_hex(body.0.refresh_token.trim().as_bytes());
    state
        .write(move |conn| Ok(sign_in::sign_out(conn, &hash, now_utc())?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
