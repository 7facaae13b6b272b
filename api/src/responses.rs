//! The error answers every operation may give, as OpenAPI response objects
//! (`(status = 404, response = crate::responses::NotFound)`). A leaf: the
//! routes name these, and the document assembled from the routes
//! (`crate::openapi`) lists them, without either importing the other.

use utoipa::ToResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};

use crate::error::PROBLEM_JSON;

macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build();
                (
                    stringify!($name),
                    ResponseBuilder::new()
                        .description($description)
                        .content(PROBLEM_JSON, content)
                        .build()
                        .into(),
                )
            }
        }
    };
}

problem_response!(
    BadRequest,
    "Malformed request: unreadable JSON, a bad query parameter, cursor or path id."
);
problem_response!(Unauthorized, "Missing, expired or invalid credentials.");
problem_response!(Forbidden, "The caller may not do this (role or API-key scope).");
problem_response!(NotFound, "No such record, or not one the caller may see.");
problem_response!(
    Conflict,
    "The change conflicts with existing data; `context` says with what."
);
problem_response!(
    PreconditionFailed,
    "`If-Match` names a version that is no longer current."
);
problem_response!(
    PayloadTooLarge,
    "The request body is larger than this endpoint accepts."
);
problem_response!(UnsupportedMediaType, "The body is not `application/json`.");
problem_response!(
    Unprocessable,
    "Well-formed but invalid: `errors` names every bad field."
);
problem_response!(TooManyRequests, "Throttled; `Retry-After` says when to try again.");
problem_response!(Unavailable, "The database does not answer.");
