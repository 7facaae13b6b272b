//! The pool rules as organisation settings: anyone reads them, an admin
//! changes them; the next sweep applies them.

use actix_web::{HttpResponse, get, put, web};
use domain::pool::{PerGrade, PoolPolicy};
use persistence::now_utc;
use persistence::pool;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::extract::{Json, double_option};
use crate::state::AppState;

/// Days per customer grade; `null` switches the rule off for that grade.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct GradeDays {
    #[schema(minimum = 1, maximum = 3650)]
    pub a: Option<u32>,
    #[schema(minimum = 1, maximum = 3650)]
    pub b: Option<u32>,
    #[schema(minimum = 1, maximum = 3650)]
    pub c: Option<u32>,
}

/// The pool rules (DESIGN.md section 5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolSettings {
    /// Days without a follow-up (from the later of owned-since and the last contact) before a customer returns.
    pub no_follow_up_days: GradeDays,
    /// Days of ownership without a deal before a customer returns.
    pub no_deal_days: GradeDays,
    /// Days before the return at which the owner is warned.
    #[schema(maximum = 3650)]
    pub warn_days: u32,
    /// Locked customers never return.
    pub exempt_locked: bool,
    /// Customers with a deal never return.
    pub exempt_dealt: bool,
    /// Customers a rep may own (a user's own `max_customers` overrides it); `null`: no limit.
    #[schema(maximum = 1000000)]
    pub max_owned: Option<u32>,
    /// Customers an owner may lock; `null`: no limit.
    #[schema(maximum = 1000000)]
    pub max_locked: Option<u32>,
    /// Pool claims per rep per day (in the organisation's time zone); `null`: no limit.
    #[schema(maximum = 1000000)]
    pub daily_claims: Option<u32>,
    /// Days before a previous owner may claim back a customer they lost.
    #[schema(maximum = 3650)]
    pub reclaim_cooldown_days: u32,
}

impl From<PerGrade> for GradeDays {
    fn from(p: PerGrade) -> Self {
        GradeDays { a: p.a, b: p.b, c: p.c }
    }
}

impl From<PoolPolicy> for PoolSettings {
    fn from(p: PoolPolicy) -> Self {
        PoolSettings {
            no_follow_up_days: p.no_follow_up_days.into(),
            no_deal_days: p.no_deal_days.into(),
            warn_days: p.warn_days,
            exempt_locked: p.exempt_locked,
            exempt_dealt: p.exempt_dealt,
            max_owned: p.max_owned,
            max_locked: p.max_locked,
            daily_claims: p.daily_claims,
            reclaim_cooldown_days: p.reclaim_cooldown_days,
        }
    }
}

/// Per-grade days to change; absent grades stay, `null` switches the rule off.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeDaysChange {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub a: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub b: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub c: Option<Option<u32>>,
}

/// Settings to change: absent fields stay; `null` switches a limit off.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePoolSettings {
    pub no_follow_up_days: Option<GradeDaysChange>,
    pub no_deal_days: Option<GradeDaysChange>,
    #[schema(maximum = 3650)]
    pub warn_days: Option<u32>,
    pub exempt_locked: Option<bool>,
    pub exempt_dealt: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, maximum = 1000000)]
    pub max_owned: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, maximum = 1000000)]
    pub max_locked: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>, maximum = 1000000)]
    pub daily_claims: Option<Option<u32>>,
    #[schema(maximum = 3650)]
    pub reclaim_cooldown_days: Option<u32>,
}

fn apply_grades(to: &mut PerGrade, change: Option<GradeDaysChange>) {
    let Some(c) = change else { return };
    to.a = c.a.unwrap_or(to.a);
    to.b = c.b.unwrap_or(to.b);
    to.c = c.c.unwrap_or(to.c);
}

impl ChangePoolSettings {
    fn apply(self, mut p: PoolPolicy) -> PoolPolicy {
        apply_grades(&mut p.no_follow_up_days, self.no_follow_up_days);
        apply_grades(&mut p.no_deal_days, self.no_deal_days);
        p.warn_days = self.warn_days.unwrap_or(p.warn_days);
        p.exempt_locked = self.exempt_locked.unwrap_or(p.exempt_locked);
        p.exempt_dealt = self.exempt_dealt.unwrap_or(p.exempt_dealt);
        p.max_owned = self.max_owned.unwrap_or(p.max_owned);
        p.max_locked = self.max_locked.unwrap_or(p.max_locked);
        p.daily_claims = self.daily_claims.unwrap_or(p.daily_claims);
        p.reclaim_cooldown_days = self.reclaim_cooldown_days.unwrap_or(p.reclaim_cooldown_days);
        p
    }
}

/// The pool rules in force.
#[utoipa::path(
    tag = "pool",
    responses(
        (status = 200, body = PoolSettings),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/settings/pool")]
pub async fn get_pool_settings(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let policy = state.read(|conn| Ok(pool::policy(conn)?)).await?;
    Ok(HttpResponse::Ok().json(PoolSettings::from(policy)))
}

/// Changes the pool rules (admin); the next sweep applies them.
#[utoipa::path(
    tag = "pool",
    request_body = ChangePoolSettings,
    responses(
        (status = 200, body = PoolSettings),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/pool")]
pub async fn put_pool_settings(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<ChangePoolSettings>,
) -> Result<HttpResponse, ApiError> {
    let change = body.0;
    let policy = state
        .write(move |conn| {
            pool::change_policy(conn, |p| change.apply(p), admin.0.id, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PoolSettings::from(policy)))
}
