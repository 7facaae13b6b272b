//! One error type for the whole API, rendered as RFC 9457 problem+json with a
//! stable `code`. Everything a client can send that goes wrong ends here as a
//! 4xx; a 5xx logs its cause and tells the client nothing internal.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use domain::vocabulary::FieldCode;
use persistence::{Constraint, Explain, RepoError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub mod zh;

pub use domain::problem::{ErrorCode, FieldError, Refused};

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type: `urn:crm:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, also the last part of `type`.
    pub code: ErrorCode,
    /// One entry per bad field, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Problem-specific facts (e.g. the existing record of a conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

/// An error answer; boxed so `Result<T, ApiError>` stays small.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
pub struct Details {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub context: Option<serde_json::Value>,
    pub headers: Vec<(header::HeaderName, String)>,
    /// For 5xx: what really happened, for the log only.
    cause: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.status.as_u16(),
            self.0.code.as_str(),
            self.0.detail
        )
    }
}

impl std::ops::Deref for ApiError {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            context: None,
            headers: Vec::new(),
            cause: None,
        }))
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    pub fn with_context(mut self, context: serde_json::Value) -> Self {
        self.0.context = Some(context);
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.0.headers.push((name, value.into()));
        self
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 422 with one entry per bad field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let detail = format!("the request has invalid fields: {}", fields.join(", "));
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, detail).with_errors(errors)
    }

    /// 422 for a single field.
    pub fn invalid_field(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail).with_header(header::WWW_AUTHENTICATE, "Bearer")
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, detail)
    }

    /// Absent or outside the caller's scope: the two are indistinguishable on purpose.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn stale() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::StaleVersion,
            "the record changed since you read it; fetch it again and retry with its new ETag",
        )
    }

    pub fn too_many(retry_after_secs: i64, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests, detail)
            .with_header(header::RETRY_AFTER, retry_after_secs.max(1).to_string())
    }

    /// What really happened, for a 5xx (the log's, never the client's).
    pub fn cause(&self) -> Option<&str> {
        self.0.cause.as_deref()
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "the server failed to answer this request; it has been logged",
        );
        e.0.cause = Some(cause.to_string());
        e
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the database is not answering; retry shortly",
        )
        .with_header(header::RETRY_AFTER, "5");
        e.0.cause = Some(cause.to_string());
        e
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:crm:problem:{}", self.code.as_str()),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
            context: self.context.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            log::error!("{} {}: {cause}", self.status.as_u16(), self.code.as_str());
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".into());
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                res.insert_header((name.clone(), v));
            }
        }
        res.body(body)
    }
}

/// Every refusal of an operation, answered the one way.
impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::NotFound(what) => ApiError::not_found(&what),
            Refused::Forbidden(detail) => ApiError::forbidden(detail),
            Refused::Conflict {
                code,
                detail,
                errors,
                context,
            } => {
                let e = ApiError::conflict(code, detail).with_errors(errors);
                match context {
                    Some(c) => e.with_context(c),
                    None => e,
                }
            }
            Refused::Invalid {
                code,
                detail,
                errors,
                context,
            } => {
                let e = match detail {
                    Some(d) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, d).with_errors(errors),
                    None => ApiError::validation(errors),
                };
                match context {
                    Some(c) => e.with_context(c),
                    None => e,
                }
            }
        }
    }
}

impl ApiError {
    /// The answer to an operation's error: its refusal, or the store's fault.
    pub fn refused(e: impl Explain) -> ApiError {
        match e.explain() {
            Ok(r) => r.into(),
            Err(fault) => fault.into(),
        }
    }

    /// As [`ApiError::refused`], naming the record a not-found is about
    /// where one error serves several (an activity of a lead).
    pub fn refused_about(e: impl Explain, what: &str) -> ApiError {
        match e.explain() {
            Ok(r) => r.about(what).into(),
            Err(fault) => fault.into(),
        }
    }
}

/// `?` on an operation's result answers its error as it explains itself.
macro_rules! explained {
    ($($error:ty),+ $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                ApiError::refused(e)
            }
        }
    )+};
}

explained!(
    persistence::activities::ActivityError,
    persistence::attachments::AttachmentError,
    persistence::complaints::ComplaintError,
    persistence::contacts::ContactError,
    persistence::contracts::ContractError,
    persistence::customers::CustomerWriteError,
    persistence::customers::Denied,
    persistence::customers::MemberError,
    persistence::departments::DepartmentError,
    persistence::leads::ConvertError,
    persistence::leads::LeadError,
    persistence::leads::RuleError,
    persistence::opportunities::DealError,
    persistence::pool::PoolError,
    persistence::products::LinesError,
    persistence::tasks::TaskError,
    persistence::team::MentorshipError,
    persistence::user_change::UserChangeError,
);

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::not_found("record"),
            RepoError::Stale => ApiError::stale(),
            RepoError::Conflict { constraint } => conflict(constraint),
            RepoError::Reference(msg) => ApiError::conflict(
                ErrorCode::ReferenceConflict,
                format!("the change refers to a record that does not exist or is still in use ({msg})"),
            ),
            RepoError::Pool(e) => ApiError::unavailable(chain(&e)),
            RepoError::Db(e) => ApiError::internal(chain(&e)),
            RepoError::Corrupt(msg) => ApiError::internal(msg),
        }
    }
}

/// An error and every `source()` beneath it, for the log of a 5xx.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// The answer to a broken unique rule, decided once for every route. A
/// customer's name or credit code is not among them: every operation that
/// writes one answers the race itself with the customer that won
/// (`customers::CustomerWriteError::Exists`, rendered by
/// `customers::Existing::refused`), so the 409 that names it is built
/// in one place.
fn conflict(constraint: Constraint) -> ApiError {
    match constraint {
        Constraint::UserEmail => ApiError::conflict(ErrorCode::EmailTaken, "a user with this e-mail already exists")
            .with_errors(vec![FieldError::new("email", FieldCode::Taken, "already in use")]),
        Constraint::DepartmentName => ApiError::conflict(
            ErrorCode::DepartmentNameTaken,
            "a department with this name already exists under the same parent",
        ),
        Constraint::DictionaryCode => ApiError::conflict(ErrorCode::CodeTaken, "this dictionary already has that code"),
        Constraint::PipelineName => {
            ApiError::conflict(ErrorCode::PipelineNameTaken, "a pipeline with this name exists")
        }
        Constraint::ContractNumber => ApiError::conflict(ErrorCode::ContractNumberTaken, "a contract has this number")
            .with_errors(vec![FieldError::new("number", FieldCode::Taken, "already in use")]),
        Constraint::ProductCode => ApiError::conflict(ErrorCode::CodeTaken, "a product has this code")
            .with_errors(vec![FieldError::new("code", FieldCode::Taken, "already in use")]),
        other => ApiError::conflict(
            ErrorCode::Conflict,
            format!("the change conflicts with an existing record ({other})"),
        ),
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}
