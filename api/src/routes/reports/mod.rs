//! Reports (报表): figures computed from the records for a period cut in the
//! organisation's time zone, limited to the caller's data scope.

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::{self, Dates, Period, Tz};
use domain::vocabulary::FieldCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};

mod customers;
pub mod forecast;
mod funnel;
mod kpi;
mod rankings;

pub use customers::customers_report;
pub use forecast::forecast_report;
pub use funnel::funnel_report;
pub use kpi::{get_activity_targets, kpi_report, put_activity_targets};
pub use rankings::rankings_report;

/// The period a report covers: `period` around `date`, or `from` to `to`.
#[derive(Debug, Clone, Default)]
pub struct PeriodQuery {
    pub period: Option<String>,
    pub date: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Declares a report's query: the period, the department, the owner and
/// customer filters and the report's own parameters, unknown parameters
/// refused.
macro_rules! report_query {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $crate::routes::reports::team_query!($(#[$meta])* $name {
            /// Only this owner's records.
            owner_id: Option<i64>,
            /// Only customers of this region, industry or source.
            region: Option<String>,
            industry: Option<String>,
            source: Option<String>,
            $($(#[$fmeta])* $field: $ty),*
        });

        impl $name {
            pub fn filter(&self) -> persistence::reports::ReportFilter {
                persistence::reports::ReportFilter {
                    owner_id: self.owner_id,
                    department_id: self.department_id,
                    region: self.region.clone(),
                    industry: self.industry.clone(),
                    source: self.source.clone(),
                }
            }
        }
    };
}

pub(crate) use report_query;

/// Declares the query of a report on reps: the period, an optional
/// department and the report's own parameters, unknown parameters refused.
macro_rules! team_query {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// day, week (Monday to Sunday), month (default), quarter or year, in the organisation's time zone.
            #[param(pattern = r"^(day|week|month|quarter|year)$")]
            pub period: Option<String>,
            /// A day inside the period; default today.
            pub date: Option<chrono::NaiveDate>,
            /// First day of an explicit period (with `to`).
            pub from: Option<chrono::NaiveDate>,
            /// Last day of an explicit period, included.
            pub to: Option<chrono::NaiveDate>,
            /// Only reps (or records owned) in this department and its subtree.
            pub department_id: Option<i64>,
            $($(#[$fmeta])* pub $field: $ty),*
        }

        impl $name {
            pub fn period(&self) -> $crate::routes::reports::PeriodQuery {
                $crate::routes::reports::PeriodQuery {
                    period: self.period.clone(),
                    date: self.date,
                    from: self.from,
                    to: self.to,
                }
            }
        }
    };
}

pub(crate) use team_query;

/// The reps a report on reps covers: the caller's reach (admin everyone,
/// manager the subtree, rep themselves), narrowed to `department`'s subtree.
pub fn team_reps(
    conn: &mut persistence::DbConn,
    by: &impl persistence::scope::Reach,
    department: Option<i64>,
) -> Result<Vec<persistence::reports::rankings::Rep>, ApiError> {
    Ok(persistence::reports::rankings::team(conn, by, department)?)
}

/// Longest explicit period.
const MAX_DAYS: i64 = 3 * 366;

impl PeriodQuery {
    /// The dates covered, or 422 naming the bad parameter.
    pub fn dates(&self, today: NaiveDate) -> Result<Dates, ApiError> {
        // each is a rule between parameters, which the document can only state in words
        let bad = |field: &str, message: &str| {
            ApiError::validation(vec![FieldError::new(field, FieldCode::DependsOn, message)])
        };
        match (self.from, self.to) {
            (Some(from), Some(to)) => {
                if self.period.is_some() || self.date.is_some() {
                    return Err(bad("from", "give either `from` and `to`, or `period` and `date`"));
                }
                let end = to.succ_opt().unwrap_or(to);
                if end <= from || (end - from).num_days() > MAX_DAYS {
                    return Err(bad("to", "`to` is on or after `from`, at most three years later"));
                }
                Ok(Dates { start: from, end })
            }
            (Some(_), None) => Err(bad("to", "`from` needs `to`")),
            (None, Some(_)) => Err(bad("from", "`to` needs `from`")),
            (None, None) => {
                let period = match &self.period {
                    None => Period::Month,
                    Some(p) => p
                        .parse::<Period>()
                        .map_err(|_| bad("period", "one of day, week, month, quarter, year"))?,
                };
                Ok(calendar::period_of(period, self.date.unwrap_or(today)))
            }
        }
    }
}

/// The period a report covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodDto {
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    pub time_zone: String,
    /// The UTC instants the days cover: `[starts_at, ends_at)`.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl PeriodDto {
    pub fn of(dates: Dates, tz: Tz) -> Self {
        let (starts_at, ends_at) = dates.instants(tz);
        PeriodDto {
            from: dates.start,
            to: dates.end.pred_opt().unwrap_or(dates.end),
            time_zone: tz.name().to_owned(),
            starts_at,
            ends_at,
        }
    }
}

/// The reps the caller manages: those of their reach (narrowed to
/// `department`), never themselves. A rep manages nobody: 403.
pub fn managed_reps(
    conn: &mut persistence::DbConn,
    user: &crate::caller::AuthUser,
    department: Option<i64>,
) -> Result<Vec<i64>, ApiError> {
    persistence::reports::rankings::managed(conn, &user.principal(), department)?
        .ok_or_else(|| ApiError::forbidden("only a manager or an admin does this"))
}

/// `who` is a rep the caller manages (403 for reps, 404 otherwise).
pub fn check_managed(conn: &mut persistence::DbConn, user: &crate::caller::AuthUser, who: i64) -> Result<(), ApiError> {
    if managed_reps(conn, user, None)?.contains(&who) {
        Ok(())
    } else {
        Err(ApiError::not_found("user"))
    }
}
