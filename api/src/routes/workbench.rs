//! `GET /me/workbench` (工作台): a user's day in one call, a fixed number of
//! queries whatever the data size (DESIGN.md section 8). A manager's adds
//! their department's figures.

use actix_web::{HttpResponse, get, web};
use chrono::{Duration, NaiveDate};
use domain::calendar::{self, Period};
use domain::scope::DataScope;
use domain::vocabulary::PlanStatus;
use persistence::contracts::{self, ReceivableFilter};
use persistence::reports::workbench::{self as wb, HotDeal, Owners};
use persistence::{now_utc, settings};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::routes::contracts::{ContractDto, Receivable, receivable};
use crate::routes::reminders::{self, Reminders};
use crate::state::AppState;
use domain::money::{Money, MoneyTotal};

/// The buckets of "not contacted for N days".
pub const NOT_CONTACTED_DAYS: [i64; 5] = [7, 15, 30, 90, 180];
/// Contracts ending within this many days are "expiring".
const EXPIRING_DAYS: i64 = 30;
const LIST: i64 = 20;

#[derive(Debug, Serialize, ToSchema)]
pub struct HotDealDto {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub stage_id: i64,
    pub stage_name: String,
    pub probability: i32,
    pub amount: Option<Money>,
    /// amount x probability.
    pub weighted_amount: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
}

impl From<HotDeal> for HotDealDto {
    fn from(d: HotDeal) -> Self {
        let money = |amount: i64| Money::stored(amount, d.currency.clone());
        HotDealDto {
            amount: d.amount.map(money),
            weighted_amount: d
                .amount
                .map(|a| money(i64::try_from(i128::from(a) * i128::from(d.probability) / 100).unwrap_or(i64::MAX))),
            id: d.id,
            title: d.title.clone(),
            customer_id: d.customer_id,
            stage_id: d.stage_id,
            stage_name: d.stage_name.clone(),
            probability: d.probability,
            expected_close_date: d.expected_close_date,
        }
    }
}

/// Customers not contacted (or, never contacted, owned) for at least `days` days.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotContacted {
    pub days: i64,
    pub customers: i64,
}

/// A manager's department (subtree) at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentFigures {
    pub users: usize,
    /// Instalments overdue, and due this month, on the team's approved contracts.
    pub overdue_count: usize,
    pub overdue_amount: MoneyTotal,
    pub due_this_month_count: usize,
    pub due_this_month_amount: MoneyTotal,
    pub open_deals: i64,
    pub weighted_pipeline: MoneyTotal,
    pub not_contacted: Vec<NotContacted>,
    /// Open leads past their first-contact deadline.
    pub overdue_leads: i64,
    /// The previous working day (Monday to Friday) and the team members
    /// without a submitted daily report for it.
    pub daily_reports_day: NaiveDate,
    pub missing_daily_reports: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Workbench {
    /// Today in the organisation's time zone.
    pub today: NaiveDate,
    /// Instalments of the caller's contracts past their due date and still open.
    pub payments_overdue: Vec<Receivable>,
    /// Instalments of the caller's contracts due from today to the end of this month.
    pub payments_due_this_month: Vec<Receivable>,
    /// The caller's open deals with the largest amount x probability.
    pub hottest_deals: Vec<HotDealDto>,
    pub not_contacted: Vec<NotContacted>,
    /// Contracts waiting for the caller's approval.
    pub contracts_awaiting_approval: Vec<ContractDto>,
    /// The caller's approved contracts ending within 30 days.
    pub contracts_expiring: Vec<ContractDto>,
    /// Tasks due and appointments starting today (and overdue tasks), pool
    /// returns, leads awaiting first contact, open complaints.
    #[serde(flatten)]
    pub reminders: Reminders,
    /// A manager's department (subtree); absent for reps and admins.
    pub department: Option<DepartmentFigures>,
}

fn not_contacted(counts: [i64; 5]) -> Vec<NotContacted> {
    NOT_CONTACTED_DAYS
        .iter()
        .zip(counts)
        .map(|(days, customers)| NotContacted { days: *days, customers })
        .collect()
}

/// A manager's department figures, in the organisation's currency.
fn department(team: wb::Team, currency: &str) -> DepartmentFigures {
    let (late, soon): (Vec<_>, Vec<_>) = team
        .receivables
        .iter()
        .partition(|(s, _)| s.status == PlanStatus::Overdue);
    let open = |rows: &[&(contracts::PlanState, contracts::ContractRow)]| {
        MoneyTotal::stored(
            domain::money::sum(rows.iter().map(|(s, _)| s.plan.amount - s.paid)),
            currency.to_owned(),
        )
    };
    DepartmentFigures {
        users: team.members.len(),
        overdue_count: late.len(),
        overdue_amount: open(&late),
        due_this_month_count: soon.len(),
        due_this_month_amount: open(&soon),
        open_deals: team.open_deals,
        weighted_pipeline: MoneyTotal::stored(team.weighted_pipeline, currency.to_owned()),
        not_contacted: not_contacted(team.not_contacted),
        overdue_leads: team.overdue_leads,
        daily_reports_day: team.report_day,
        missing_daily_reports: domain::reports::work::missing(&team.members, &team.reported),
    }
}

/// The caller's day: payments, deals, customers going cold, approvals,
/// contracts expiring, today's tasks and appointments, pool returns, leads
/// waiting, complaints; a manager's adds their department.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, body = Workbench),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/me/workbench")]
pub async fn my_workbench(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let now = now_utc();
    let me = user.id;
    let bench = state
        .read(move |conn| {
            let tz = settings::zone(conn)?;
            let today = calendar::today(now, tz);
            let month = calendar::period_of(Period::Month, today);
            let (_, end_of_today) = calendar::period_of(Period::Day, today).instants(tz);
            let currency = contracts::policy(conn)?.currency;
            let mine = ReceivableFilter {
                due_before: Some(month.end),
                owner_id: Some(me),
                ..ReceivableFilter::default()
            };
            let (overdue, due): (Vec<_>, Vec<_>) =
                contracts::receivables(conn, &DataScope::Own { user_id: me }, &mine, today, LIST * 2)?
                    .into_iter()
                    .partition(|(s, _)| s.status == PlanStatus::Overdue);
            let scoped = wb::scoped(conn, &user.principal(), today, month.end, NOT_CONTACTED_DAYS, now)?;
            Ok(Workbench {
                today,
                payments_overdue: overdue.into_iter().map(|(s, c)| receivable(s, &c)).collect(),
                payments_due_this_month: due.into_iter().map(|(s, c)| receivable(s, &c)).collect(),
                hottest_deals: wb::hottest_deals(conn, me, 10)?
                    .into_iter()
                    .map(HotDealDto::from)
                    .collect(),
                not_contacted: not_contacted(wb::not_contacted(conn, Owners::User(me), NOT_CONTACTED_DAYS, now)?),
                contracts_awaiting_approval: scoped
                    .awaiting_approval
                    .into_iter()
                    .map(crate::routes::contracts::to_dto)
                    .collect::<Result<_, _>>()?,
                contracts_expiring: wb::expiring(conn, me, today, today + Duration::days(EXPIRING_DAYS), LIST)?
                    .into_iter()
                    .map(crate::routes::contracts::to_dto)
                    .collect::<Result<_, _>>()?,
                reminders: reminders::load(conn, me, now, end_of_today)?,
                department: scoped.team.map(|team| department(team, &currency)),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(bench))
}
