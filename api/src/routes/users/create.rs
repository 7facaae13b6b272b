//! Creating a user (admin).

use actix_web::{HttpResponse, post, web};
use domain::org::{Role, UserFacts, check_password_policy, check_user_change, normalize_login_email};
use domain::vocabulary::FieldCode;
use persistence::users;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::security::hash_password;
use crate::state::AppState;

use super::*;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(example = "li.lei@example.com", max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "李雷", min_length = 1, max_length = 100)]
    pub name: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    pub role: RoleDto,
    pub department_id: Option<i64>,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub max_customers: Option<i32>,
}

/// Creates a user (admin).
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a retried request")),
    responses(
        (status = 201, body = UserDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 413, response = crate::responses::PayloadTooLarge),
        (status = 415, response = crate::responses::UnsupportedMediaType),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors: Vec<FieldError> = Vec::new();
    let email = normalize_login_email(&b.email)
        .map_err(|e| errors.push(FieldError::new("email", FieldCode::Email, e.to_string())))
        .unwrap_or_default();
    if let Err(e) = check_password_policy(&b.password) {
        errors.push(FieldError::new("password", FieldCode::PasswordPolicy, e.to_string()));
    }
    let role = Role::from(b.role);
    let candidate = UserFacts {
        id: 0,
        role,
        active: true,
        department_id: b.department_id,
    };
    if let Err(e) = check_user_change(0, None, &candidate, 0) {
        errors.push(FieldError::new(
            e.field().unwrap_or("role"),
            FieldCode::DependsOn,
            e.to_string(),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let password = b.password;
    let hash = web::block(move || hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let name = b.name.trim().to_owned();
    let now = persistence::naive_now();
    let new = users::NewUserRow {
        email,
        name,
        password_hash: hash,
        role: role.as_str().to_owned(),
        department_id: b.department_id,
        active: true,
        max_customers: b.max_customers,
        created_at: now,
        updated_at: now,
    };
    let row = state
        .write(move |conn| persistence::user_change::create(conn, &new).map_err(ApiError::refused))
        .await?;
    Ok(with_etag(actix_web::http::StatusCode::CREATED, row.try_into()?))
}
