//! `GET /reports/rankings`: reps ranked by contract amount, collected
//! amount, new customers, activities and win rate for a period, within the
//! caller's scope.

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use domain::reports::rankings::{self as rules, Measure};
use domain::vocabulary::FieldCode;
use persistence::reports::rankings;
use persistence::{contracts, now_utc, settings};
use serde::Serialize;
use utoipa::ToSchema;

use super::PeriodDto;
use crate::caller::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Query;
use crate::state::AppState;
use domain::money::MoneyTotal;

super::team_query!(RankingsQuery {
    /// contract_amount (default), collected_amount, new_customers, activities or win_rate.
    #[param(pattern = r"^(contract_amount|collected_amount|new_customers|activities|win_rate)$")]
    sort: Option<String>,
});

/// A rep's place on each measure (1 = best; ties share a place).
#[derive(Debug, Serialize, ToSchema)]
pub struct Places {
    pub contract_amount: u32,
    pub collected_amount: u32,
    pub new_customers: u32,
    pub activities: u32,
    pub win_rate: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingRow {
    pub user_id: i64,
    pub name: String,
    pub department_id: Option<i64>,
    /// Approved contracts signed in the period.
    pub contract_amount: MoneyTotal,
    /// Payments received in the period.
    pub collected_amount: MoneyTotal,
    /// Customers won for the first time in the period.
    pub new_customers: i64,
    /// Activities logged in the period.
    pub activities: i64,
    /// Deals won and lost in the period, and won / closed in basis points.
    pub won: u64,
    pub lost: u64,
    pub win_rate_bp: Option<u32>,
    /// Awards and penalties recorded for the months of the period.
    pub awards: u64,
    pub penalties: u64,
    pub places: Places,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rankings {
    pub period: PeriodDto,
    /// The measure the rows are ordered by.
    pub sort: String,
    pub rows: Vec<RankingRow>,
}

/// Reps ranked for a period: an admin sees everyone, a manager their
/// department subtree, a rep themselves.
#[utoipa::path(
    tag = "reports",
    params(RankingsQuery),
    responses(
        (status = 200, body = Rankings),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/rankings")]
pub async fn rankings_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<RankingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sort = match &q.sort {
        None => Measure::ContractAmount,
        Some(s) => Measure::parse(s).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "sort",
                FieldCode::UnknownValue,
                "one of contract_amount, collected_amount, new_customers, activities, win_rate",
            )])
        })?,
    };
    let period = q.period();
    let report = state
        .report(move |conn| {
            let tz = settings::zone(conn)?;
            let dates = period.dates(domain::calendar::today(now_utc(), tz))?;
            let currency = contracts::policy(conn)?.currency;
            let reps = super::team_reps(conn, &user.principal(), q.department_id)?;
            let ids: Vec<i64> = reps.iter().map(|r| r.id).collect();
            let figures = rankings::figures(conn, &ids, (dates.start, dates.end), dates.instants(tz))?;
            let places: Vec<_> = Measure::ALL.iter().map(|m| rules::places(&figures, *m)).collect();
            let first_month = dates.start.with_day(1).unwrap_or(dates.start);
            let recognition = persistence::commissions::awards::counts(conn, &ids, first_month, dates.end)?;
            let money = |amount: i64| MoneyTotal::stored(amount, currency.clone());
            let rows = rules::order(figures, sort)
                .into_iter()
                .map(|f| {
                    let rep = reps.iter().find(|r| r.id == f.user_id);
                    let place = |i: usize| places[i].get(&f.user_id).copied().unwrap_or(0);
                    RankingRow {
                        user_id: f.user_id,
                        name: rep.map(|r| r.name.clone()).unwrap_or_default(),
                        department_id: rep.and_then(|r| r.department_id),
                        contract_amount: money(f.contract_amount),
                        collected_amount: money(f.collected_amount),
                        new_customers: f.new_customers,
                        activities: f.activities,
                        won: f.won,
                        lost: f.lost,
                        win_rate_bp: f.win_rate_bp(),
                        awards: recognition.get(&f.user_id).map_or(0, |c| c.0),
                        penalties: recognition.get(&f.user_id).map_or(0, |c| c.1),
                        places: Places {
                            contract_amount: place(0),
                            collected_amount: place(1),
                            new_customers: place(2),
                            activities: place(3),
                            win_rate: place(4),
                        },
                    }
                })
                .collect();
            Ok(Rankings {
                period: PeriodDto::of(dates, tz),
                sort: sort.as_str().to_owned(),
                rows,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
