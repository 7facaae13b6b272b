//! The signed-in user.

use actix_web::{HttpResponse, get, web};

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::etag;
use crate::routes::users::UserDto;
use crate::state::AppState;
use persistence::Found;

/// The signed-in user's own record, read fresh.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, body = UserDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let row = state
        .read(move |conn| {
            persistence::users::find(conn, user.id)
                .found()?
                .filter(|u| u.active)
                .ok_or_else(|| {
                    ApiError::unauthorized(
                        ErrorCode::AccountInactive,
                        "this account no longer exists or is deactivated",
                    )
                })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(row.version)))
        .json(UserDto::try_from(row)?))
}
