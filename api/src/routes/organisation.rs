//! Organisation settings that belong to no business area: the time zone in
//! which days, weeks, months, quarters and years are cut (due dates, the
//! daily claim cap, targets and reports). Anyone reads them; an admin
//! changes them.

use actix_web::{HttpResponse, get, put, web};
use chrono::NaiveDate;
use domain::calendar::{self, OrgSettings};
use domain::vocabulary::FieldCode;
use persistence::{now_utc, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::state::AppState;

/// The organisation's settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organisation {
    /// IANA time-zone name; periods are cut at midnight there and weeks start on Monday.
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: String,
    /// Today's date in that zone.
    pub today: NaiveDate,
}

impl Organisation {
    fn of(org: &OrgSettings) -> Self {
        Organisation {
            time_zone: org.time_zone.clone(),
            today: calendar::today(now_utc(), org.zone()),
        }
    }
}

/// Settings to change; absent fields stay.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeOrganisation {
    /// IANA time-zone name, exactly as the tz database spells it (e.g. "Europe/Berlin", "UTC").
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
}

/// The organisation's settings.
#[utoipa::path(
    tag = "organisation",
    responses(
        (status = 200, body = Organisation),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/settings/organisation")]
pub async fn get_organisation(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let org = state.read(|conn| Ok(settings::organisation(conn)?)).await?;
    Ok(HttpResponse::Ok().json(Organisation::of(&org)))
}

/// Changes the organisation's settings (admin). A new time zone applies to
/// every period cut from then on; stored times do not change.
#[utoipa::path(
    tag = "organisation",
    request_body = ChangeOrganisation,
    responses(
        (status = 200, body = Organisation),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/organisation")]
pub async fn put_organisation(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<ChangeOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let change = body.0;
    if let Some(name) = &change.time_zone
        && calendar::zone(name.trim()).is_none()
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "time_zone",
            FieldCode::TimeZone,
            "must be an IANA time-zone name such as Asia/Shanghai or Europe/Berlin",
        )]));
    }
    let change = |org: &mut domain::calendar::OrgSettings| {
        if let Some(name) = change.time_zone {
            org.time_zone = name.trim().to_owned();
        }
    };
    let org = state
        .write(move |conn| Ok(settings::change_organisation(conn, change, admin.0.id, now_utc())?))
        .await?;
    Ok(HttpResponse::Ok().json(Organisation::of(&org)))
}

/// Caps for one role; `null` means no cap.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleCaps {
    /// Customer records one user may open in detail (`GET /customers/{id}`) a day.
    #[validate(range(max = 100_000_000))]
    #[schema(example = 500, maximum = 100_000_000)]
    pub detail_reads_per_day: Option<u32>,
    /// Rows one user may export a day, all exports together.
    #[validate(range(max = 100_000_000))]
    #[schema(example = 5000, maximum = 100_000_000)]
    pub export_rows_per_day: Option<u32>,
}

/// Daily caps that keep a leaving rep from taking the customer list: per
/// role (admins are never capped); over a cap is 429 `daily_cap_reached`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataGuard {
    #[validate(nested)]
    pub rep: RoleCaps,
    #[validate(nested)]
    pub manager: RoleCaps,
}

impl From<domain::guard::GuardSettings> for DataGuard {
    fn from(g: domain::guard::GuardSettings) -> Self {
        let caps = |c: domain::guard::Caps| RoleCaps {
            detail_reads_per_day: c.detail_reads_per_day,
            export_rows_per_day: c.export_rows_per_day,
        };
        DataGuard {
            rep: caps(g.rep),
            manager: caps(g.manager),
        }
    }
}

/// The daily caps on detail reads and exported rows (admin).
#[utoipa::path(
    tag = "organisation",
    responses(
        (status = 200, body = DataGuard),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/settings/data-guard")]
pub async fn get_data_guard(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, ApiError> {
    let g = state.read(|conn| Ok(persistence::guard::caps(conn)?)).await?;
    Ok(HttpResponse::Ok().json(DataGuard::from(g)))
}

/// Sets the daily caps (admin, audited); they apply from the next request.
#[utoipa::path(
    tag = "organisation",
    request_body = DataGuard,
    responses(
        (status = 200, body = DataGuard),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/data-guard")]
pub async fn put_data_guard(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<DataGuard>,
) -> Result<HttpResponse, ApiError> {
    let caps = |c: RoleCaps| domain::guard::Caps {
        detail_reads_per_day: c.detail_reads_per_day,
        export_rows_per_day: c.export_rows_per_day,
    };
    let g = domain::guard::GuardSettings {
        rep: caps(body.0.rep),
        manager: caps(body.0.manager),
    };
    state
        .write(move |conn| Ok(persistence::guard::set_caps(conn, &g, admin.0.id, now_utc())?))
        .await?;
    Ok(HttpResponse::Ok().json(DataGuard::from(g)))
}
