//! A customer's timeline: follow-ups, deal stage changes and record events
//! (created, claimed, released, returned to the pool, transferred, locked,
//! merged ...) in one time order, newest first, keyset-paged.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use persistence::timeline::{self, Entry, Mark};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{PathId, Query};
use crate::pagination;
use crate::routes::activities::{ActivityDto, to_dtos};
use crate::routes::customers::visible_customer;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Activity,
    StageChange,
    Event,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineStageChange {
    pub opportunity_id: i64,
    pub opportunity_title: String,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub changed_by: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// `created`, `claimed`, `released`, `returned_to_pool`, `transferred`, `locked`, `unlocked`, `merged`, `merged_into`, `deleted` or `restored`.
    pub action: String,
    pub actor_id: Option<i64>,
    /// What changed, e.g. `{"owner_id": [12, null], "reason": "no_follow_up"}`.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// One entry; exactly one of `activity`, `stage_change` and `event` is set, as `kind` says.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    pub activity: Option<ActivityDto>,
    pub stage_change: Option<TimelineStageChange>,
    pub event: Option<TimelineEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePage {
    pub data: Vec<TimelineEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const SORT: pagination::Sort = pagination::Sort {
    field: "timeline",
    descending: true,
};

fn cursor_mark(cursor: Option<&str>) -> Result<Option<Mark>, ApiError> {
    let Some(p) = pagination::decode_cursor(cursor, &SORT)? else {
        return Ok(None);
    };
    let bad = || ApiError::bad_request(ErrorCode::InvalidCursor, "the cursor is damaged");
    let text = p.text()?;
    let (at, source) = text.split_once('|').ok_or_else(bad)?;
    let at: DateTime<Utc> = at.parse().map_err(|_| bad())?;
    let source: u8 = source.parse().map_err(|_| bad())?;
    Ok(Some(Mark {
        at: at.naive_utc(),
        source,
        id: p.id,
    }))
}

fn mark_key(m: &Mark) -> (serde_json::Value, i64) {
    let at = m.at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    (serde_json::Value::String(format!("{at}|{}", m.source)), m.id)
}

/// A customer's history in time order, newest first.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Customer id"), TimelineQuery),
    responses(
        (status = 200, body = TimelinePage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}/timeline")]
pub async fn customer_timeline(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    query: Query<TimelineQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.0.limit)?;
    let after = cursor_mark(query.0.cursor.as_deref())?;
    let page = state
        .read(move |conn| {
            visible_customer(conn, &user.principal(), id.0, false)?;
            let entries = timeline::of_customer(conn, id.0, after, limit + 1)?;
            let (entries, next_cursor) = pagination::finish(entries, limit, &SORT, |(m, _)| mark_key(m));
            let activity_rows: Vec<_> = entries
                .iter()
                .filter_map(|(_, e)| match e {
                    Entry::Activity(a) => Some(a.as_ref().clone()),
                    _ => None,
                })
                .collect();
            let mut activities = to_dtos(conn, activity_rows)?.into_iter();
            let mut data = Vec::with_capacity(entries.len());
            for (m, e) in entries {
                let at = m.at.and_utc();
                data.push(match e {
                    Entry::Activity(_) => TimelineEntry {
                        at,
                        kind: TimelineKind::Activity,
                        activity: activities.next(),
                        stage_change: None,
                        event: None,
                    },
                    Entry::StageChange(s, title) => TimelineEntry {
                        at,
                        kind: TimelineKind::StageChange,
                        activity: None,
                        stage_change: Some(TimelineStageChange {
                            opportunity_id: s.opportunity_id,
                            opportunity_title: title,
                            from_stage_id: s.from_stage_id,
                            to_stage_id: s.to_stage_id,
                            changed_by: s.changed_by,
                        }),
                        event: None,
                    },
                    Entry::Event(a) => TimelineEntry {
                        at,
                        kind: TimelineKind::Event,
                        activity: None,
                        stage_change: None,
                        event: Some(TimelineEvent {
                            action: a.action,
                            actor_id: a.actor_id,
                            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
                        }),
                    },
                });
            }
            Ok(TimelinePage { data, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
