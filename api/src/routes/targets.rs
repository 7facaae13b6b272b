//! Targets (业绩目标): an admin saves a year's plan for a metric, from the
//! company total down the department tree to reps, each split equally, by
//! weights or manually and over months; anyone reads the progress of what
//! they may see: target, actual and completion per month and quarter.

use actix_web::{HttpResponse, get, put, web};
use domain::targets::plan::{Holder, Node, Problem, Split};
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::targets::{self, TargetError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{Json, Query};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Approved contracts by signed date (minor units).
    ContractAmount,
    /// Payments by received date (minor units).
    PaymentAmount,
    /// Customers first won, by date (a count).
    NewCustomers,
}

crate::words::same_words!(
    Metric,
    domain::vocabulary::Metric,
    [ContractAmount, PaymentAmount, NewCustomers]
);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitKind {
    /// Equal shares (the first ones a unit larger when it does not divide).
    #[default]
    Equal,
    /// In proportion to each child's `weight` (e.g. last year's actuals).
    Weights,
    /// Each child's `value`; they must add up exactly.
    Manual,
}

impl From<SplitKind> for Split {
    fn from(s: SplitKind) -> Self {
        match s {
            SplitKind::Equal => Split::Equal,
            SplitKind::Weights => Split::Weights,
            SplitKind::Manual => Split::Manual,
        }
    }
}

/// A department or a rep in the plan, with how its own figure is split further.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChild {
    /// A department directly under the parent (or top-level under the company).
    pub department_id: Option<i64>,
    /// A rep in the parent department (any active user under the company).
    pub user_id: Option<i64>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub weight: Option<i64>,
    #[validate(range(min = 0, max = 1_000_000_000_000_000_i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub value: Option<i64>,
    #[serde(default)]
    pub split: SplitKind,
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    #[schema(no_recursion, max_items = 500)]
    pub children: Vec<PlanChild>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavePlan {
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub metric: Metric,
    /// The company figure: minor units for money metrics, a count for new customers.
    #[validate(range(min = 0, max = 1_000_000_000_000_000_i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub total: i64,
    #[serde(default)]
    pub split: SplitKind,
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub children: Vec<PlanChild>,
    /// Twelve weights for the months (a season); default equal months.
    #[schema(min_items = 12, max_items = 12)]
    pub month_weights: Option<[i64; 12]>,
}

fn child_node(c: PlanChild, path: &str) -> Result<Node, ApiError> {
    let holder = match (c.department_id, c.user_id) {
        (Some(d), None) => Holder::Department(d),
        (None, Some(u)) => Holder::User(u),
        _ => {
            return Err(ApiError::invalid_field(
                path,
                FieldCode::OneOf,
                "each child names a department_id or a user_id",
            ));
        }
    };
    let children = c
        .children
        .into_iter()
        .enumerate()
        .map(|(i, g)| child_node(g, &format!("{path}.children.{i}")))
        .collect::<Result<_, _>>()?;
    Ok(Node {
        holder,
        weight: c.weight,
        value: c.value,
        split: c.split.into(),
        children,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Figure {
    /// `company`, `department` or `user`.
    pub holder: String,
    pub department_id: Option<i64>,
    pub user_id: Option<i64>,
    pub year: i64,
    /// January to December; quarters are sums of three.
    pub months: Vec<i64>,
}

fn figure(h: Holder, year: i64, months: [i64; 12]) -> Figure {
    let (holder, department_id, user_id) = match h {
        Holder::Company => ("company", None, None),
        Holder::Department(d) => ("department", Some(d), None),
        Holder::User(u) => ("user", None, Some(u)),
    };
    Figure {
        holder: holder.to_owned(),
        department_id,
        user_id,
        year,
        months: months.to_vec(),
    }
}

/// Saves a year's plan for a metric (admin), replacing the previous one.
/// Every figure adds up exactly; a manual split that does not is 422 at its
/// path with the difference.
#[utoipa::path(
    tag = "targets",
    request_body = SavePlan,
    responses(
        (status = 200, body = Vec<Figure>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/targets")]
pub async fn save_plan(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<SavePlan>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if let Some(w) = b.month_weights
        && (w.iter().any(|x| *x < 0) || w.iter().all(|x| *x == 0))
    {
        // a negative weight is out of range; all zero is a relation between them
        let code = if w.iter().any(|x| *x < 0) {
            FieldCode::Range
        } else {
            FieldCode::Relation
        };
        return Err(ApiError::invalid_field(
            "month_weights",
            code,
            "twelve weights, none negative, not all zero",
        ));
    }
    let children = b
        .children
        .into_iter()
        .enumerate()
        .map(|(i, c)| child_node(c, &format!("children.{i}")))
        .collect::<Result<_, _>>()?;
    let root = Node {
        holder: Holder::Company,
        weight: None,
        value: Some(b.total),
        split: b.split.into(),
        children,
    };
    let metric: domain::vocabulary::Metric = b.metric.into();
    let weights = b.month_weights;
    let figures = state
        .write(move |conn| {
            targets::save_plan(conn, admin.0.id, b.year, metric, &root, weights.as_ref(), now_utc()).map_err(
                |e| match e {
                    TargetError::Plan(p) => {
                        let mut e = ApiError::invalid_field(&p.path, p.code(), p.message());
                        if let Problem::DoesNotAddUp(m) = p.problem {
                            e = e.with_context(serde_json::json!({
                                "total": m.total, "sum": m.sum, "difference": m.difference
                            }));
                        }
                        e
                    }
                    TargetError::Months => {
                        ApiError::invalid_field("month_weights", FieldCode::Range, "cannot split by these weights")
                    }
                    TargetError::Repo(e) => e.into(),
                },
            )
        })
        .await?;
    let out: Vec<Figure> = figures.into_iter().map(|(h, y, m)| figure(h, y, m)).collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub metric: Metric,
    /// `company`, `department:<id>` (its subtree) or `user:<id>`; default the caller.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    /// `2027`, `2027-Q1` or `2027-01`.
    pub period: String,
    /// `null` when no plan names this holder.
    pub target: Option<i64>,
    pub actual: i64,
    /// actual / target in basis points (10000 = 100 %), rounded down.
    pub completion_bp: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    pub metric: Metric,
    pub scope: String,
    pub year: Period,
    pub quarters: Vec<Period>,
    pub months: Vec<Period>,
}

fn parse_scope(raw: Option<&str>, me: i64) -> Result<Holder, ApiError> {
    let bad = || {
        ApiError::invalid_field(
            "scope",
            FieldCode::Format,
            "`company`, `department:<id>` or `user:<id>`",
        )
    };
    match raw.map(str::trim) {
        None | Some("") => Ok(Holder::User(me)),
        Some("company") => Ok(Holder::Company),
        Some(s) => {
            let (kind, id) = s.split_once(':').ok_or_else(bad)?;
            let id: i64 = id.parse().map_err(|_| bad())?;
            match kind {
                "department" => Ok(Holder::Department(id)),
                "user" => Ok(Holder::User(id)),
                _ => Err(bad()),
            }
        }
    }
}

fn period(name: String, target: Option<i64>, actual: i64) -> Period {
    Period {
        period: name,
        target,
        actual,
        completion_bp: target.and_then(|t| domain::targets::completion_bp(actual, t)),
    }
}

/// Target, actual and completion for a year, its quarters and months.
#[utoipa::path(
    tag = "targets",
    params(ProgressQuery),
    responses(
        (status = 200, body = TargetProgress),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/targets/progress")]
pub async fn target_progress(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ProgressQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    if !(2000..=2100).contains(&q.year) {
        return Err(
            ApiError::bad_request(ErrorCode::InvalidQuery, "`year` is between 2000 and 2100").with_errors(vec![
                FieldError::new("year", FieldCode::Range, "between 2000 and 2100, as plans are"),
            ]),
        );
    }
    let holder = parse_scope(q.scope.as_deref(), user.id)?;
    let metric: domain::vocabulary::Metric = q.metric.into();
    let year = q.year;
    let p = state
        .read(move |conn| {
            targets::progress_seen_by(conn, &user.principal(), year, metric, holder)?
                .ok_or_else(|| ApiError::not_found("scope"))
        })
        .await?;
    let t = |m: usize| p.target.map(|t| t[m]);
    let months = (1..=12)
        .map(|m| period(format!("{year}-{m:02}"), t(m), p.actual[m]))
        .collect();
    let quarters = (0..4)
        .map(|q| {
            let range = q * 3 + 1..=q * 3 + 3;
            let target = p.target.map(|t| range.clone().map(|m| t[m]).sum());
            period(format!("{year}-Q{}", q + 1), target, range.map(|m| p.actual[m]).sum())
        })
        .collect();
    let scope = match holder {
        Holder::Company => "company".to_owned(),
        Holder::Department(d) => format!("department:{d}"),
        Holder::User(u) => format!("user:{u}"),
    };
    Ok(HttpResponse::Ok().json(TargetProgress {
        metric: q.metric,
        scope,
        year: period(year.to_string(), t(0), p.actual[0]),
        quarters,
        months,
    }))
}
