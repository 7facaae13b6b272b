//! `GET /reports/forecast`: the open pipeline weighted by probability (the
//! stage's, and beside it the rep's) per expected close month of a year, by
//! customer grade, by product and by forecast category, beside the
//! contract-amount target and the actuals of those months.

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use domain::reports::forecast::{self as rules, Bucket};
use domain::targets::plan::Holder;
use domain::vocabulary::FieldCode;
use domain::vocabulary::ForecastCategory;
use persistence::reports::{ReportFilter, forecast};
use persistence::{contracts, now_utc, settings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;
use domain::money::MoneyTotal;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// Default: this year in the organisation's time zone.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Only this owner's deals (and their target).
    pub owner_id: Option<i64>,
    /// Only deals owned in this department's subtree (and its target).
    pub department_id: Option<i64>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
}

/// Open deals, their amount and amount x probability.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BucketDto {
    pub count: u64,
    pub amount: MoneyTotal,
    /// amount x the stage's probability, each deal rounded down.
    pub weighted: MoneyTotal,
    /// amount x the rep's probability where they gave one, else the stage's.
    pub rep_weighted: MoneyTotal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub pipeline: BucketDto,
    /// The contract-amount target of the month; null without a plan (or out of the caller's sight).
    pub target: Option<MoneyTotal>,
    /// Approved contracts signed in the month.
    pub actual: MoneyTotal,
    /// actual + weighted pipeline.
    pub projected: MoneyTotal,
    /// actual + the pipeline weighted by the reps' probabilities.
    pub rep_projected: MoneyTotal,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryRow {
    pub category: ForecastCategory,
    pub pipeline: BucketDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GradeRow {
    pub grade: String,
    pub pipeline: BucketDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductRow {
    pub product_id: i64,
    pub name: String,
    /// Line totals of the year's open deals.
    pub pipeline: BucketDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ForecastReport {
    pub year: i32,
    /// company, department:<id> or user:<id>: whose target and actuals are shown.
    pub scope: String,
    pub months: Vec<ForecastMonth>,
    /// Open deals whose expected close date has passed.
    pub past_due: BucketDto,
    /// Open deals without an expected close date.
    pub unscheduled: BucketDto,
    pub by_grade: Vec<GradeRow>,
    pub by_product: Vec<ProductRow>,
    /// The year's open deals by the category their rep put them in;
    /// `omitted` ones are counted here only.
    pub by_category: Vec<CategoryRow>,
}

/// The weighted pipeline per month of a year beside target and actuals, in the caller's scope.
#[utoipa::path(
    tag = "reports",
    params(ForecastQuery),
    responses(
        (status = 200, body = ForecastReport),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/reports/forecast")]
pub async fn forecast_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if let Some(y) = q.year
        && !(2000..=2100).contains(&y)
    {
        return Err(ApiError::invalid_field(
            "year",
            FieldCode::Range,
            "a year from 2000 to 2100",
        ));
    }
    let report = state
        .report(move |conn| {
            let by = user.principal();
            let today = settings::today(conn, now_utc())?;
            let year = q.year.unwrap_or(today.year());
            let currency = contracts::policy(conn)?.currency;
            let filter = ReportFilter {
                owner_id: q.owner_id,
                department_id: q.department_id,
                region: q.region.clone(),
                industry: q.industry.clone(),
                source: q.source.clone(),
            };
            let facts = forecast::forecast_facts(conn, &by, &filter, &currency)?;
            let f = rules::forecast(&facts.deals, &facts.lines, year, today);
            let names = facts.product_names;
            let (holder, progress) = forecast::target_of(conn, &by, q.owner_id, q.department_id, year)?;
            let money = |amount: i64| MoneyTotal::stored(amount, currency.clone());
            let bucket = |b: Bucket| BucketDto {
                count: b.count,
                amount: money(b.amount),
                weighted: money(b.weighted),
                rep_weighted: money(b.rep_weighted),
            };
            let months = (1..=12usize)
                .map(|m| {
                    let b = f.months[m - 1];
                    let actual = progress.as_ref().map_or(0, |p| p.actual[m]);
                    ForecastMonth {
                        month: format!("{year}-{m:02}"),
                        target: progress.as_ref().and_then(|p| p.target).map(|t| money(t[m])),
                        actual: money(actual),
                        projected: money(actual + b.weighted),
                        rep_projected: money(actual + b.rep_weighted),
                        pipeline: bucket(b),
                    }
                })
                .collect();
            Ok(ForecastReport {
                year,
                scope: match holder {
                    Holder::Company => "company".to_owned(),
                    Holder::Department(d) => format!("department:{d}"),
                    Holder::User(u) => format!("user:{u}"),
                },
                months,
                past_due: bucket(f.past_due),
                unscheduled: bucket(f.unscheduled),
                by_grade: f
                    .by_grade
                    .into_iter()
                    .map(|(grade, b)| GradeRow {
                        grade,
                        pipeline: bucket(b),
                    })
                    .collect(),
                by_category: f
                    .by_category
                    .into_iter()
                    .map(|(category, b)| CategoryRow {
                        category,
                        pipeline: bucket(b),
                    })
                    .collect(),
                by_product: f
                    .by_product
                    .into_iter()
                    .map(|(product_id, b)| ProductRow {
                        product_id,
                        name: names
                            .iter()
                            .find(|(id, _)| *id == product_id)
                            .map(|(_, n)| n.clone())
                            .unwrap_or_default(),
                        pipeline: bucket(b),
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
