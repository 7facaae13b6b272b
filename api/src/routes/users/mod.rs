//! Users: anyone signed in (or a key with `users:read`) reads the directory;
//! only admins create, change and deactivate.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use domain::org::{Role, check_password_policy};
use domain::vocabulary::FieldCode;
use persistence::users::UserRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::etag;
use crate::security::hash_password;

mod change;
mod create;
mod read;

pub use change::*;
pub use create::*;
pub use read::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Manager,
    Rep,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Role {
        match r {
            RoleDto::Admin => Role::Admin,
            RoleDto::Manager => Role::Manager,
            RoleDto::Rep => Role::Rep,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> RoleDto {
        match r {
            Role::Admin => RoleDto::Admin,
            Role::Manager => RoleDto::Manager,
            Role::Rep => RoleDto::Rep,
        }
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    /// `null` for a colleague outside the caller's scope (a rep sees only
    /// their own; a manager their subtree's).
    #[schema(example = "li.lei@example.com")]
    pub email: Option<String>,
    #[schema(example = "李雷")]
    pub name: String,
    pub role: RoleDto,
    pub department_id: Option<i64>,
    pub active: bool,
    /// Cap on owned customers; `null` uses the organisation default.
    pub max_customers: Option<i32>,
    /// `null` when never signed in, or outside the caller's scope.
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; sent as the `ETag`.
    pub version: i64,
}

impl UserDto {
    /// Hides contact details and activity the caller may not see.
    pub fn for_viewer(self, viewer: &domain::scope::DataScope) -> UserDto {
        if domain::scope::may_see_contact_details(viewer, self.id, self.department_id) {
            self
        } else {
            UserDto {
                email: None,
                last_login_at: None,
                ..self
            }
        }
    }
}

impl TryFrom<UserRow> for UserDto {
    type Error = ApiError;

    /// An unknown stored role is a fault of ours (a logged 500), never a rep.
    fn try_from(r: UserRow) -> Result<UserDto, ApiError> {
        Ok(UserDto {
            role: r
                .role
                .parse::<Role>()
                .map_err(|e| ApiError::internal(format!("stored role: {e}")))?
                .into(),
            id: r.id,
            email: Some(r.email),
            name: r.name,
            department_id: r.department_id,
            active: r.active,
            max_customers: r.max_customers,
            last_login_at: r.last_login_at.map(|t| t.and_utc()),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
        })
    }
}

fn with_etag(status: actix_web::http::StatusCode, user: UserDto) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(user.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/users/{}", user.id)));
    }
    res.json(user)
}

fn password_hash_of(password: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(p) = password else { return Ok(None) };
    check_password_policy(&p)
        .map_err(|e| ApiError::invalid_field("password", FieldCode::PasswordPolicy, e.to_string()))?;
    hash_password(&p).map(Some).map_err(ApiError::internal)
}
