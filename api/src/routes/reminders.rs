//! The caller's reminders (提醒): tasks and appointments due within a day or
//! overdue, customers about to return to the pool with the date, leads
//! waiting for first contact, and open complaints assigned to them. One
//! call, a fixed number of queries.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Duration, Utc};
use domain::scope::DataScope;
use persistence::complaints::{self, ComplaintFilter};
use persistence::tasks::{self, TaskFilter};
use persistence::{DbConn, customers, leads, now_utc, pool};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::routes::complaints::ComplaintDto;
use crate::routes::tasks::TaskDto;
use crate::state::AppState;

/// The longest list of each kind.
const LIST: u32 = 200;

/// A customer that returns to the pool unless followed up.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolReturn {
    pub customer_id: i64,
    pub customer_name: String,
    pub returns_at: DateTime<Utc>,
    /// `no_follow_up` or `no_deal`.
    pub reason: String,
}

/// A lead waiting for its first contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadWaiting {
    pub lead_id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub first_contact_due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reminders {
    /// Open tasks due, and appointments starting, before this time tomorrow (overdue ones too), soonest first.
    pub tasks: Vec<TaskDto>,
    /// Customers the caller owns that return to the pool within the warning days, soonest first (at most 200).
    pub pool_returns: Vec<PoolReturn>,
    /// How many customers the caller owns return to the pool within the warning days, listed or not.
    pub pool_returns_total: u64,
    pub leads_awaiting_first_contact: Vec<LeadWaiting>,
    /// Complaints assigned to the caller and not yet closed.
    pub open_complaints: Vec<ComplaintDto>,
    /// Milestones the caller owns on open deals, past their date and not done, oldest first.
    pub milestones_overdue: Vec<crate::routes::opportunities::MilestoneDto>,
}

/// What needs the caller's attention now.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, body = Reminders),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/me/reminders")]
pub async fn my_reminders(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let now = now_utc();
    let reminders = state
        .read(move |conn| load(conn, user.id, now, now + Duration::days(1)))
        .await?;
    Ok(HttpResponse::Ok().json(reminders))
}

/// The caller's reminders: open tasks due (or appointments starting) before
/// `tasks_before`, pool returns within the warning days, leads awaiting
/// first contact and open complaints assigned to them.
pub fn load(
    conn: &mut DbConn,
    me: i64,
    now: DateTime<Utc>,
    tasks_before: DateTime<Utc>,
) -> Result<Reminders, ApiError> {
    let own = DataScope::Own { user_id: me };
    let due = TaskFilter {
        assignee_id: Some(me),
        done: Some(false),
        before: Some(tasks_before),
        ..TaskFilter::default()
    };
    let mut task_rows = tasks::list(conn, &own, &due, None, LIST)?;
    task_rows.sort_by_key(|t| (t.due_at.or(t.starts_at), t.id));
    let policy = pool::policy(conn)?;
    let (soon, pool_returns_total) = pool::returning_soon(conn, &policy, me, now, LIST as usize)?;
    let ids: Vec<i64> = soon.iter().map(|w| w.customer_id).collect();
    let names = customers::names(conn, &ids)?;
    let lead_rows = leads::awaiting_first_contact(conn, me, i64::from(LIST))?;
    let open = ComplaintFilter {
        assignee_id: Some(me),
        unclosed: true,
        ..ComplaintFilter::default()
    };
    let complaint_rows = complaints::list(conn, &DataScope::All, &open, None, LIST)?;
    let today = persistence::settings::today(conn, now)?;
    let milestone_rows = persistence::opportunities::milestones_overdue(conn, me, today, i64::from(LIST))?;
    Ok(Reminders {
        tasks: task_rows
            .into_iter()
            .map(crate::routes::tasks::to_dto)
            .collect::<Result<_, _>>()?,
        pool_returns_total: u64::try_from(pool_returns_total).unwrap_or(u64::MAX),
        pool_returns: soon
            .into_iter()
            .map(|w| PoolReturn {
                customer_name: names.get(&w.customer_id).cloned().unwrap_or_default(),
                customer_id: w.customer_id,
                returns_at: w.due_at,
                reason: w.reason.as_str().to_owned(),
            })
            .collect(),
        leads_awaiting_first_contact: lead_rows
            .into_iter()
            .map(|l| {
                let due = l.first_contact_due_at.map(|t| t.and_utc());
                LeadWaiting {
                    lead_id: l.id,
                    person_name: l.person_name,
                    company: l.company,
                    first_contact_due_at: due,
                    overdue: due.is_some_and(|d| d < now),
                }
            })
            .collect(),
        open_complaints: complaint_rows
            .into_iter()
            .map(crate::routes::complaints::to_dto)
            .collect::<Result<_, _>>()?,
        milestones_overdue: milestone_rows
            .into_iter()
            .map(|(m, _)| crate::routes::opportunities::milestone_dto(m))
            .collect::<Result<_, _>>()?,
    })
}
