//! The stable `code` of every problem answer, from one table.

use serde::Serialize;

/// Defines [`ErrorCode`] and the list of all its values from one table.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// Every `code` a problem answer may carry (also the last part of its
        /// `type`). Clients switch on these; they never change meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every value, for the test that the OpenAPI document lists them all.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }
        }
    };
}

error_codes! {
    /// The request could not be read (problem_guard for actix's own 400).
    BadRequest = "bad_request",
    /// The body is not the JSON the operation takes.
    MalformedJson = "malformed_json",
    /// The body could not be parsed in its declared format.
    MalformedBody = "malformed_body",
    /// A CSV import could not be parsed.
    MalformedCsv = "malformed_csv",
    /// The body could not be read from the connection.
    UnreadableBody = "unreadable_body",
    /// A query parameter is malformed or unknown.
    InvalidQuery = "invalid_query",
    /// A path parameter is malformed.
    InvalidPath = "invalid_path",
    /// A pagination cursor is malformed or from another sort.
    InvalidCursor = "invalid_cursor",
    /// The Idempotency-Key header is empty or too long.
    InvalidIdempotencyKey = "invalid_idempotency_key",
    /// No credentials were sent.
    Unauthenticated = "unauthenticated",
    /// The access token is malformed, forged or expired.
    InvalidToken = "invalid_token",
    /// The access token belongs to a session that was ended.
    SessionEnded = "session_ended",
    /// The account no longer exists or is deactivated.
    AccountInactive = "account_inactive",
    /// Wrong e-mail or password.
    InvalidCredentials = "invalid_credentials",
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken = "invalid_refresh_token",
    /// A rotated refresh token was used again; its family is revoked.
    RefreshTokenReused = "refresh_token_reused",
    /// The API key is unknown or revoked.
    InvalidApiKey = "invalid_api_key",
    /// The caller may not do this.
    Forbidden = "forbidden",
    /// No such record, or not one the caller may see.
    NotFound = "not_found",
    /// No route has this path.
    NoRoute = "no_route",
    /// The path exists but not with this method.
    MethodNotAllowed = "method_not_allowed",
    /// The change conflicts with an existing record.
    Conflict = "conflict",
    /// The change refers to a record that is absent or still in use.
    ReferenceConflict = "reference_conflict",
    /// The company is already a customer (撞单); `context.existing` names it.
    CustomerExists = "customer_exists",
    /// Someone else took the record first.
    AlreadyClaimed = "already_claimed",
    /// The customer is in the pool already (nobody owns it to release or lock it).
    AlreadyInPool = "already_in_pool",
    /// A pool rule refuses the claim or lock; `errors` names the setting
    /// (`max_owned`, `daily_claims`, `reclaim_cooldown_days`, `max_locked`).
    PoolLimit = "pool_limit",
    /// A user has this e-mail already.
    EmailTaken = "email_taken",
    /// A sibling department has this name.
    DepartmentNameTaken = "department_name_taken",
    /// The department still has users or sub-departments.
    DepartmentInUse = "department_in_use",
    /// A dictionary entry has this code already.
    CodeTaken = "code_taken",
    /// A pipeline has this name already.
    PipelineNameTaken = "pipeline_name_taken",
    /// The pipeline has no open stage to start in.
    PipelineEmpty = "pipeline_empty",
    /// A contract has this number already.
    ContractNumberTaken = "contract_number_taken",
    /// The contract is not in a state that allows this (e.g. editing one that is not a draft).
    ContractState = "contract_state",
    /// The caller has a work report of this kind for this period already (`context.id`).
    WorkReportExists = "work_report_exists",
    /// The work report is submitted and can no longer change.
    WorkReportSubmitted = "work_report_submitted",
    /// The rep has a running mentorship already (`context.id`).
    MentorshipExists = "mentorship_exists",
    /// The deal has a case in the library already (`context.id`).
    CaseExists = "case_exists",
    /// The lead is converted or disqualified.
    LeadClosed = "lead_closed",
    /// The deal is won, lost or invalid: its forecast no longer changes.
    DealClosed = "deal_closed",
    /// The change breaks a rule about users (e.g. the last admin).
    UserRule = "user_rule",
    /// The user still holds customers, open leads or open deals: hand them over first.
    UserOwnsCustomers = "user_owns_customers",
    /// A request with this Idempotency-Key is still running.
    IdempotencyInProgress = "idempotency_in_progress",
    /// The Idempotency-Key was used for a different request.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// The record changed since the If-Match version was read.
    StaleVersion = "stale_version",
    /// The body is larger than the operation takes.
    BodyTooLarge = "body_too_large",
    /// An import has more rows than one request takes.
    TooManyRows = "too_many_rows",
    /// The Content-Type is not one the operation takes.
    UnsupportedMediaType = "unsupported_media_type",
    /// Fields are invalid; `errors` names each.
    ValidationFailed = "validation_failed",
    /// Throttled; retry after `Retry-After` seconds.
    TooManyRequests = "too_many_requests",
    /// Today's cap on records read in detail or rows exported is used up (`errors[0].field` names it).
    DailyCapReached = "daily_cap_reached",
    /// The body did not arrive in time (a stalled client); the connection closes.
    RequestTimeout = "request_timeout",
    /// The request head (request line and headers) is over the server's limits.
    HeadTooLarge = "head_too_large",
    /// The server failed; the cause is logged, never sent.
    InternalError = "internal_error",
    /// The database is not answering; retry shortly.
    Unavailable = "unavailable",
    /// Any other error status (problem_guard fallback).
    Error = "error",
}
