//! Route registration: every handler is added through utoipa-actix-web, so the
//! OpenAPI document lists exactly what the server serves.

pub mod api_keys;
pub mod auth;
pub mod departments;
pub mod health;
pub mod me;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::get_me)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::deactivate_user)
        .service(departments::list_departments)
        .service(departments::create_department)
        .service(departments::get_department)
        .service(departments::update_department)
        .service(departments::delete_department)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::revoke_api_key);
}

/// Outside `/api/v1`: probes.
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
}
