//! Follow-up activities (跟进记录) as the API speaks them: the kinds, the
//! request and answer bodies, the mapping of refusals, and the routes on a
//! customer and the team feed. Leads and deals log through the same
//! operation (`persistence::activities::log`).

use chrono::{DateTime, Utc};
use persistence::DbConn;
use persistence::activities::{self, ActivityRow, NewActivity, Visit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::ApiError;

mod customer;
mod feed;

pub use customer::*;
pub use feed::*;

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

/// The customer's intent or buying power as judged on a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    High,
    Medium,
    Low,
}

crate::words::same_words!(Level, domain::vocabulary::Level, [High, Medium, Low]);

/// How a visit went (an effective visit: was the key person met, why, and
/// what the customer wants and can pay).
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitDetails {
    /// Was a key person (decision maker, recommender) met?
    pub key_person_met: Option<bool>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub purpose: Option<String>,
    pub intent: Option<Level>,
    pub buying_power: Option<Level>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    pub kind: ActivityKind,
    /// Default: now. Never in the future.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The person met or called: a contact of the customer.
    pub contact_id: Option<i64>,
    /// A deal of the customer it was about (on a customer's activity only).
    pub opportunity_id: Option<i64>,
    #[validate(range(min = 0, max = 1440))]
    #[schema(minimum = 0, maximum = 1440)]
    pub duration_minutes: Option<i32>,
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
    /// Colleagues who came along (陪同拜访): user ids.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub companions: Vec<i64>,
    /// For a visit only.
    #[validate(nested)]
    pub visit: Option<VisitDetails>,
}

impl CreateActivity {
    pub fn into_new(self) -> NewActivity {
        NewActivity {
            kind: self.kind.into(),
            occurred_at: self.occurred_at,
            contact_id: self.contact_id,
            opportunity_id: self.opportunity_id,
            duration_minutes: self.duration_minutes,
            subject: self.subject,
            content: self.content,
            outcome: self.outcome,
            next_action: self.next_action,
            next_action_at: self.next_action_at,
            companions: self.companions,
            visit: self.visit.map(|v| Visit {
                key_person_met: v.key_person_met,
                purpose: v.purpose,
                intent: v.intent.map(Into::into),
                buying_power: v.buying_power.map(Into::into),
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
    pub companions: Vec<i64>,
    pub visit: Option<VisitDetails>,
    /// The task (待办) its next action with a time became.
    pub task_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn level(stored: Option<String>) -> Result<Option<Level>, ApiError> {
    stored
        .map(|s| crate::words::stored::<domain::vocabulary::Level>(&s).map(Level::from))
        .transpose()
}

/// The answer for one stored activity.
pub fn to_dto(a: ActivityRow, companions: Vec<i64>, task_id: Option<i64>) -> Result<ActivityDto, ApiError> {
    let is_visit = a.kind == "visit";
    let visit = VisitDetails {
        key_person_met: a.key_person_met,
        purpose: a.visit_purpose,
        intent: level(a.intent)?,
        buying_power: level(a.buying_power)?,
    };
    let has_visit = visit.key_person_met.is_some()
        || visit.purpose.is_some()
        || visit.intent.is_some()
        || visit.buying_power.is_some();
    Ok(ActivityDto {
        id: a.id,
        lead_id: a.lead_id,
        customer_id: a.customer_id,
        opportunity_id: a.opportunity_id,
        contact_id: a.contact_id,
        kind: crate::words::stored::<domain::vocabulary::ActivityKind>(&a.kind)?.into(),
        occurred_at: a.occurred_at.and_utc(),
        duration_minutes: a.duration_minutes,
        subject: a.subject,
        content: a.content,
        outcome: a.outcome,
        next_action: a.next_action,
        next_action_at: a.next_action_at.map(|t| t.and_utc()),
        companions,
        visit: (is_visit && has_visit).then_some(visit),
        task_id,
        created_by: a.created_by,
        created_at: a.created_at.and_utc(),
        updated_at: a.updated_at.unwrap_or(a.created_at).and_utc(),
    })
}

/// Answers for a page of activities, with their companions and tasks (two queries).
pub fn to_dtos(conn: &mut DbConn, rows: Vec<ActivityRow>) -> Result<Vec<ActivityDto>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut companions = activities::companions_of(conn, &ids)?;
    let tasks = persistence::tasks::of_activities(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let c = companions.remove(&r.id).unwrap_or_default();
            let task = tasks.get(&r.id).copied();
            to_dto(r, c, task)
        })
        .collect()
}
