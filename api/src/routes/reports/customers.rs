//! `GET /reports/customers`: customer analysis (客户分析) for a period.

use actix_web::{HttpResponse, get, web};
use domain::reports::customers::{self as rules, Dimension, Group};
use domain::reports::funnel::rate_bp;
use domain::vocabulary::FieldCode;
use persistence::reports::customer_analysis;
use persistence::{contracts, customers, now_utc, settings};
use serde::Serialize;
use utoipa::ToSchema;

use super::PeriodDto;
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;
use domain::money::MoneyTotal;

super::report_query!(CustomersQuery {
    /// How many of the top fifth of buyers to list in `pareto.top`, largest
    /// first (1-1000, default 100); its count, amount and share cover the
    /// whole top fifth.
    #[param(minimum = 1, maximum = 1000)]
    top_limit: Option<u32>,
});

/// Top customers listed unless `top_limit` says otherwise.
const TOP_LISTED: u32 = 100;
/// The most `top_limit` allows.
const TOP_LIMIT_MAX: u32 = 1_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRow {
    /// The dimension's value; null when not recorded.
    pub key: Option<String>,
    pub customers: u64,
    /// Customers that have ever been won.
    pub dealt: u64,
    /// Approved contracts signed in the period.
    pub contract_amount: MoneyTotal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Distribution {
    pub industry: Vec<GroupRow>,
    pub region: Vec<GroupRow>,
    pub source: Vec<GroupRow>,
    pub size_band: Vec<GroupRow>,
    pub grade: Vec<GroupRow>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopCustomer {
    pub customer_id: i64,
    pub name: String,
    pub amount: MoneyTotal,
}

/// The top 20 % of buyers of the period by contract amount.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParetoDto {
    pub buyers: u64,
    /// Customers in the top fifth of buyers (rounded up).
    pub top_count: u64,
    /// The first `top_limit` of them, largest first.
    pub top: Vec<TopCustomer>,
    pub top_amount: MoneyTotal,
    pub total_amount: MoneyTotal,
    /// top_amount / total_amount in basis points.
    pub top_share_bp: Option<u32>,
}

/// Buyers of the period who had bought before or bought more than once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RepeatDto {
    pub buyers: u64,
    pub repeat_buyers: u64,
    pub rate_bp: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadSourceRow {
    pub source: Option<String>,
    /// Leads created in the period.
    pub leads: u64,
    pub converted: u64,
    pub conversion_bp: Option<u32>,
    /// Approved contracts of the customers those leads became.
    pub won_amount: MoneyTotal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerAnalysis {
    pub period: PeriodDto,
    /// Live customers covered.
    pub customers: u64,
    /// Of them, created in the period.
    pub new_customers: u64,
    /// Customers released or returned to the pool in the period.
    pub returned_to_pool: u64,
    pub distribution: Distribution,
    pub repeat_purchase: RepeatDto,
    pub pareto: ParetoDto,
    pub lead_sources: Vec<LeadSourceRow>,
}

/// How the caller's customers spread by industry, region, source, size band
/// and grade, the top 20 % and their share, repeat purchases, and which lead
/// sources bring business. An admin's covers every customer (the pool too),
/// a manager's their department's, a rep's their own.
#[utoipa::path(
    tag = "reports",
    params(CustomersQuery),
    responses(
        (status = 200, body = CustomerAnalysis),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/customers")]
pub async fn customers_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<CustomersQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let listed = q.top_limit.unwrap_or(TOP_LISTED);
    if !(1..=TOP_LIMIT_MAX).contains(&listed) {
        return Err(ApiError::invalid_field(
            "top_limit",
            FieldCode::Range,
            format!("from 1 to {TOP_LIMIT_MAX}"),
        ));
    }
    let (period, filter) = (q.period(), q.filter());
    let report = state
        .report_split(move |conn, helper| {
            let tz = settings::zone(conn)?;
            let dates = period.dates(domain::calendar::today(now_utc(), tz))?;
            let currency = contracts::policy(conn)?.currency;
            let facts = customer_analysis::customer_facts(
                conn,
                helper,
                &user.principal(),
                &filter,
                (dates.start, dates.end),
                dates.instants(tz),
            )?;
            let pareto = rules::pareto(&facts.amounts, usize::try_from(listed).unwrap_or(usize::MAX));
            let top_ids: Vec<i64> = pareto.top.iter().map(|(c, _)| *c).collect();
            let names = customers::names(conn, &top_ids)?;
            let money = |amount: i64| MoneyTotal::stored(amount, currency.clone());
            let groups = |d: Dimension| -> Vec<GroupRow> {
                rules::distribution_of(&facts.profiles, &facts.buyers, d)
                    .into_iter()
                    .map(|g: Group| GroupRow {
                        key: g.key,
                        customers: g.customers,
                        dealt: g.dealt,
                        contract_amount: money(g.contract_amount),
                    })
                    .collect()
            };
            let (buyers, repeat, rate) = rules::repeat_buyers(&facts.contracts_in_period, &facts.bought_before);
            Ok(CustomerAnalysis {
                period: PeriodDto::of(dates, tz),
                customers: facts.profiles.iter().map(|(_, n)| n).sum(),
                new_customers: facts.new_customers,
                returned_to_pool: facts.returned_to_pool,
                distribution: Distribution {
                    industry: groups(Dimension::Industry),
                    region: groups(Dimension::Region),
                    source: groups(Dimension::Source),
                    size_band: groups(Dimension::SizeBand),
                    grade: groups(Dimension::Grade),
                },
                repeat_purchase: RepeatDto {
                    buyers,
                    repeat_buyers: repeat,
                    rate_bp: rate,
                },
                pareto: ParetoDto {
                    buyers: pareto.buyers,
                    top_count: pareto.top_count,
                    top: pareto
                        .top
                        .iter()
                        .map(|(c, a)| TopCustomer {
                            customer_id: *c,
                            name: names.get(c).cloned().unwrap_or_default(),
                            amount: money(*a),
                        })
                        .collect(),
                    top_amount: money(pareto.top_amount),
                    total_amount: money(pareto.total_amount),
                    top_share_bp: pareto.top_share_bp,
                },
                lead_sources: facts
                    .sources
                    .into_iter()
                    .map(|s| LeadSourceRow {
                        conversion_bp: rate_bp(s.converted, s.leads),
                        source: s.source,
                        leads: s.leads,
                        converted: s.converted,
                        won_amount: money(s.won_amount),
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
