//! Who is calling: a signed-in user (Bearer access token) or an integration
//! (`X-Api-Key`). Extractors carry the caller into every handler, so each
//! operation can scope its query to what the caller may see.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use domain::auth::{ApiScope, parse_scope_list};
use domain::org::Role;

use crate::error::{ApiError, ErrorCode};
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

impl AuthUser {
    /// The user as persistence operations take them.
    pub fn principal(&self) -> persistence::scope::Principal {
        persistence::scope::Principal {
            user_id: self.id,
            role: self.role,
            department_id: self.department_id,
        }
    }
}

/// An integration authenticated by an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCaller {
    pub key_id: i64,
    pub scopes: Vec<ApiScope>,
    /// The admin who issued the key, with their powers now: a key reads and
    /// writes customers on their behalf, never beyond what they may. `None`
    /// once that user is deactivated.
    pub issued_by: Option<AuthUser>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    User(AuthUser),
    Key(KeyCaller),
}

/// A user reaches their data scope; an integration key reaches everything its
/// API scopes let it call (checked by `require_user_or_scope` first).
impl persistence::scope::Reach for Caller {
    fn scope_in(
        &self,
        conn: &mut persistence::DbConn,
    ) -> Result<std::borrow::Cow<'_, domain::scope::DataScope>, persistence::RepoError> {
        match self {
            Caller::User(u) => Ok(std::borrow::Cow::Owned(u.principal().scope(conn)?)),
            Caller::Key(_) => Ok(std::borrow::Cow::Owned(domain::scope::DataScope::All)),
        }
    }
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
            ErrorCode::InvalidToken,
            "use `Authorization: Bearer <access token>`",
        )));
    }
    Some(Ok(token.trim()))
}

/// The user id a valid access token names, and the token version it carries.
fn verify_token(state: &AppState, token: &str) -> Result<(i64, i64), ApiError> {
    let claims = state
        .jwt
        .verify(token, chrono::Utc::now())
        .map_err(|e| ApiError::unauthorized(ErrorCode::InvalidToken, e.to_string()))?;
    let id = claims
        .sub
        .parse::<i64>()
        .map_err(|_| ApiError::unauthorized(ErrorCode::InvalidToken, "the access token names no known user"))?;
    Ok((id, claims.tv))
}

/// The caller of a valid token with the powers the user has *now*: role and
/// department come from the user's current state (cached for a second at
/// most), never from the token, and a deactivated user or a token from an
/// ended session is refused on every node.
async fn user_from_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let (id, token_version) = verify_token(state, token)?;
    let gone = || {
        ApiError::unauthorized(
            ErrorCode::AccountInactive,
            "this account no longer exists or is deactivated",
        )
    };
    let (user, current_version) = current_user(state, id).await?.ok_or_else(gone)?;
    if current_version != token_version {
        return Err(ApiError::unauthorized(
            ErrorCode::SessionEnded,
            "this session was ended (new password or sign-out everywhere); sign in again",
        ));
    }
    Ok(user)
}

/// User `id` as they are now, with their token version; `None` when there is
/// no such user or they are deactivated.
async fn current_user(state: &AppState, id: i64) -> Result<Option<(AuthUser, i64)>, ApiError> {
    let current = match state.auth_cache.get(id) {
        Some(s) => Some(s),
        None => {
            let db = state.db.clone();
            let found = web::block(move || db.run(|conn| persistence::users::auth_state(conn, id))).await??;
            if let Some(s) = &found {
                state.auth_cache.put(id, s.clone());
            }
            found
        }
    };
    let Some(current) = current.filter(|c| c.active) else {
        return Ok(None);
    };
    let role = current
        .role
        .parse::<Role>()
        .map_err(|_| ApiError::internal(format!("user {id} has an unknown stored role")))?;
    let user = AuthUser {
        id,
        role,
        department_id: current.department_id,
    };
    Ok(Some((user, current.token_version)))
}

/// The credentials a request presents, checked once by [`identify`] before
/// any other middleware or extractor needs them: extractors then answer at
/// once, so a refused caller is refused before its body is judged.
#[derive(Debug, Clone)]
enum Presented {
    Nothing,
    Token(Result<AuthUser, ApiError>),
    Key(Result<KeyCaller, ApiError>),
}

/// Checks the request's access token or API key (one JWT verification and at
/// most one read per request) and keeps the outcome for the extractors.
pub async fn identify(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        let presented = match bearer(req.request()) {
            Some(token) => Presented::Token(match token {
                Ok(t) => user_from_token(&state, t).await,
                Err(e) => Err(e),
            }),
            None => match req.headers().get(API_KEY_HEADER) {
                Some(key) => Presented::Key(key_caller(&state, key.to_str().unwrap_or("").trim()).await),
                None => Presented::Nothing,
            },
        };
        req.extensions_mut().insert(presented);
    }
    next.call(req).await
}

async fn key_caller(state: &AppState, key: &str) -> Result<KeyCaller, ApiError> {
    let hash = sha256_hex(key.as_bytes());
    let db = state.db.clone();
    let row = web::block(move || {
        db.run(|conn| -> Result<_, ApiError> {
            let row = persistence::api_keys::find_live_by_hash(conn, &hash)?;
            if let Some(r) = &row {
                persistence::api_keys::touch(conn, r, persistence::now_utc())?;
            }
            Ok(row)
        })
    })
    .await??;
    let row =
        row.ok_or_else(|| ApiError::unauthorized(ErrorCode::InvalidApiKey, "the API key is unknown or revoked"))?;
    let issued_by = current_user(state, row.created_by).await?.map(|(u, _)| u);
    Ok(KeyCaller {
        key_id: row.id,
        scopes: parse_scope_list(&row.scopes),
        issued_by,
    })
}

fn presented(req: &HttpRequest) -> Result<Presented, ApiError> {
    req.extensions()
        .get::<Presented>()
        .cloned()
        .ok_or_else(|| ApiError::internal("credentials were not checked: the `identify` middleware is missing"))
}

/// The caller's identity for idempotency records: the user of a valid token
/// or the id of a valid key; `None` when the request will be refused.
pub fn caller_identity(req: &actix_web::dev::ServiceRequest) -> Option<String> {
    match req.extensions().get::<Presented>()? {
        Presented::Token(Ok(u)) => Some(format!("user:{}", u.id)),
        Presented::Key(Ok(k)) => Some(format!("key:{}", k.key_id)),
        _ => None,
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(presented(req).and_then(|p| match p {
            Presented::Token(user) => user,
            Presented::Key(_) => Err(ApiError::forbidden(
                "this operation is for signed-in users, not API keys",
            )),
            Presented::Nothing => Err(ApiError::unauthorized(
                ErrorCode::Unauthenticated,
                "sign in and send `Authorization: Bearer <access token>`",
            )),
        }))
    }
}

/// An admin user; anyone else gets 403.
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(AuthUser::from_request(req, payload).into_inner().and_then(|u| {
            if u.role == Role::Admin {
                Ok(AdminUser(u))
            } else {
                Err(ApiError::forbidden("only an admin may do this"))
            }
        }))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(presented(req).and_then(|p| match p {
            Presented::Token(user) => user.map(Caller::User),
            Presented::Key(key) => key.map(Caller::Key),
            Presented::Nothing => Err(ApiError::unauthorized(
                ErrorCode::Unauthenticated,
                "send `Authorization: Bearer <access token>` or `X-Api-Key: <key>`",
            )),
        }))
    }
}

/// The API scope an [`Acting`] extractor asks of a key.
pub trait KeyScope {
    const SCOPE: ApiScope;
}

/// Markers for [`Acting`]: one per scope that opens user operations to keys.
pub mod scope {
    use super::{ApiScope, KeyScope};

    #[derive(Debug, Clone, Copy)]
    pub struct CustomersRead;
    impl KeyScope for CustomersRead {
        const SCOPE: ApiScope = ApiScope::CustomersRead;
    }

    #[derive(Debug, Clone, Copy)]
    pub struct CustomersWrite;
    impl KeyScope for CustomersWrite {
        const SCOPE: ApiScope = ApiScope::CustomersWrite;
    }
}

/// The user an operation acts for: the signed-in user, or, for an API key
/// holding scope `S`, the admin who issued it (with their powers now). A key
/// without `S` gets 403 naming the scope.
#[derive(Debug, Clone, Copy)]
pub struct Acting<S>(pub AuthUser, pub std::marker::PhantomData<S>);

impl<S: KeyScope + 'static> FromRequest for Acting<S> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let acting = Caller::from_request(req, payload)
            .into_inner()
            .and_then(|caller| match caller {
                Caller::User(u) => Ok(u),
                Caller::Key(k) if !k.scopes.contains(&S::SCOPE) => Err(ApiError::forbidden(format!(
                    "this API key lacks the `{}` scope",
                    S::SCOPE
                ))),
                Caller::Key(k) => k.issued_by.ok_or_else(|| {
                    ApiError::unauthorized(
                        ErrorCode::InvalidApiKey,
                        "the user who issued this API key is deactivated; issue a new key",
                    )
                }),
            });
        std::future::ready(acting.map(|u| Acting(u, std::marker::PhantomData)))
    }
}

impl<S> From<Acting<S>> for AuthUser {
    fn from(a: Acting<S>) -> Self {
        a.0
    }
}
