//! Follow-up activities (跟进记录) as the API speaks them: the kinds, the
//! request and answer bodies, and the one writer used by leads and deals.

use chrono::{DateTime, Utc};
use domain::leads::activity_time;
use persistence::DbConn;
use persistence::leads;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Visit,
    Wechat,
    Note,
}

crate::words::same_words!(
    ActivityKind,
    domain::vocabulary::ActivityKind,
    [Call, Email, Meeting, Visit, Wechat, Note]
);

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    pub kind: ActivityKind,
    /// Default: now.
    pub occurred_at: Option<DateTime<Utc>>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub content: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub outcome: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<leads::ActivityRow> for ActivityDto {
    fn from(a: leads::ActivityRow) -> Self {
        ActivityDto {
            id: a.id,
            lead_id: a.lead_id,
            customer_id: a.customer_id,
            opportunity_id: a.opportunity_id,
            kind: a.kind,
            occurred_at: a.occurred_at.and_utc(),
            subject: a.subject,
            content: a.content,
            outcome: a.outcome,
            next_action: a.next_action,
            next_action_at: a.next_action_at.map(|t| t.and_utc()),
            created_by: a.created_by,
            created_at: a.created_at.and_utc(),
        }
    }
}

/// What a follow-up is about.
pub struct ActivityTarget {
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

/// Stores a follow-up `user` logs now; refuses one dated in the future.
/// Returns the row and when it happened.
pub fn log_activity(
    conn: &mut DbConn,
    b: CreateActivity,
    target: ActivityTarget,
    user: i64,
    now: DateTime<Utc>,
) -> Result<(leads::ActivityRow, DateTime<Utc>), ApiError> {
    let occurred = activity_time(b.occurred_at, now).ok_or_else(|| {
        ApiError::invalid_field(
            "occurred_at",
            "future",
            "an activity cannot have happened in the future",
        )
    })?;
    let row = leads::insert_activity(
        conn,
        &leads::NewActivityRow {
            lead_id: target.lead_id,
            customer_id: target.customer_id,
            opportunity_id: target.opportunity_id,
            kind: b.kind.as_str().to_owned(),
            occurred_at: occurred.naive_utc(),
            subject: b.subject,
            content: b.content,
            outcome: b.outcome,
            next_action: b.next_action,
            next_action_at: b.next_action_at.map(|t| t.naive_utc()),
            created_by: Some(user),
            created_at: now.naive_utc(),
        },
    )?;
    Ok((row, occurred))
}
