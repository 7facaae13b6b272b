//! Exports of the filtered lists (customers, leads, deals, contracts,
//! activities) as CSV or NDJSON, streamed, in the caller's scope and audited:
//! each takes the list's own filters (see [`crate::export`]).

use actix_web::{HttpRequest, HttpResponse, get, web};
use domain::custom_fields::CustomEntity;

use crate::caller::{Acting, AuthUser, Caller, scope};
use crate::error::ApiError;
use crate::export::{self, Export, Page, Paged, Walked, pages, rows};
use crate::extract::Query;
use crate::routes::activities::{ActivityPage, ListActivitiesQuery, activity_page};
use crate::routes::contracts::{ContractPage, ListContractsQuery, contract_page};
use crate::routes::customers::{CustomerPage, ListCustomersQuery, page as customer_page};
use crate::routes::leads::{LeadPage, ListLeadsQuery, lead_page};
use crate::routes::opportunities::{ListOpportunitiesQuery, OpportunityPage, opportunity_page};
use crate::state::AppState;

macro_rules! walked {
    ($query:ty => $page:ty, $($rest:tt)*) => {
        impl Walked for $query {
            fn at(&mut self, cursor: Option<String>, limit: i64) {
                // a bad `limit` is left for the list to refuse: 400 before anything is sent
                if crate::pagination::limit(self.limit).is_err() {
                    return;
                }
                if cursor.is_some() {
                    self.cursor = cursor;
                }
                self.limit = Some(limit);
            }
        }
        walked!($page, $($rest)*);
    };
    ($page:ty, $($rest:tt)*) => {
        impl Paged for $page {
            fn into_page(self) -> Result<Page, ApiError> {
                Ok((rows(self.data)?, self.next_cursor))
            }
        }
        walked!($($rest)*);
    };
    () => {};
}

walked!(
    ListCustomersQuery => CustomerPage,
    crate::routes::contacts::ContactPage,
    ListLeadsQuery => LeadPage,
    ListOpportunitiesQuery => OpportunityPage,
    ListContractsQuery => ContractPage,
    ListActivitiesQuery => ActivityPage,
);

/// An export by `user` (whose daily cap on exported rows applies).
fn export_of<F>(
    resource: &'static str,
    schema: &'static str,
    user: Option<AuthUser>,
    req: &HttpRequest,
    next: F,
) -> Export<F> {
    Export {
        resource,
        schema,
        user_id: user.map_or(0, |u| u.id),
        filters: req.query_string().to_owned(),
        custom_columns: Vec::new(),
        capped: user,
        next,
    }
}

/// The export columns of a kind of record's custom fields.
async fn custom_columns(state: &AppState, entity: CustomEntity) -> Result<Vec<String>, ApiError> {
    state.read(move |conn| crate::custom::columns(conn, entity)).await
}

/// Exports the customers the list would show for these filters: CSV (UTF-8
/// with BOM; `Accept: text/csv`, the default) or NDJSON (`Accept:
/// application/x-ndjson`), streamed; recorded in the audit log.
#[utoipa::path(
    tag = "customers",
    params(ListCustomersQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers/export")]
pub async fn export_customers(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    req: HttpRequest,
    query: Query<ListCustomersQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = pages(state.clone(), user, query.0, customer_page);
    let export = Export {
        custom_columns: custom_columns(&state, CustomEntity::Customer).await?,
        ..export_of("customers", "CustomerDto", Some(user), &req, next)
    };
    export::respond(state, &req, export).await
}

/// Exports the contacts of the customers the customer list would show for
/// these filters (CSV or NDJSON, streamed, audited; phone and e-mail masked
/// where the list masks them).
#[utoipa::path(
    tag = "contacts",
    params(ListCustomersQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/contacts/export")]
pub async fn export_contacts(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    req: HttpRequest,
    query: Query<ListCustomersQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = pages(state.clone(), user, query.0, crate::routes::contacts::contact_page);
    let export = Export {
        custom_columns: custom_columns(&state, CustomEntity::Contact).await?,
        ..export_of("contacts", "ContactDto", Some(user), &req, next)
    };
    export::respond(state, &req, export).await
}

/// Exports the leads the list would show for these filters (CSV or NDJSON, streamed, audited).
#[utoipa::path(
    tag = "leads",
    params(ListLeadsQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["leads:read"]))
)]
#[get("/leads/export")]
pub async fn export_leads(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: Query<ListLeadsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(domain::auth::ApiScope::LeadsRead)?;
    let who = match &caller {
        Caller::User(u) => Some(*u),
        Caller::Key(k) => k.issued_by,
    };
    let next = pages(state.clone(), caller, query.0, lead_page);
    let export = Export {
        custom_columns: custom_columns(&state, CustomEntity::Lead).await?,
        ..export_of("leads", "LeadDto", who, &req, next)
    };
    export::respond(state, &req, export).await
}

/// Exports the deals the list would show for these filters (CSV or NDJSON, streamed, audited).
#[utoipa::path(
    tag = "opportunities",
    params(ListOpportunitiesQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/export")]
pub async fn export_opportunities(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: Query<ListOpportunitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = pages(state.clone(), user, query.0, opportunity_page);
    export::respond(
        state,
        &req,
        export_of("opportunities", "OpportunityDto", Some(user), &req, next),
    )
    .await
}

/// Exports the contracts the list would show for these filters (CSV or NDJSON, streamed, audited).
#[utoipa::path(
    tag = "contracts",
    params(ListContractsQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/contracts/export")]
pub async fn export_contracts(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: Query<ListContractsQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = pages(state.clone(), user, query.0, contract_page);
    let export = Export {
        custom_columns: custom_columns(&state, CustomEntity::Contract).await?,
        ..export_of("contracts", "ContractDto", Some(user), &req, next)
    };
    export::respond(state, &req, export).await
}

/// Exports the activities the list would show for these filters (CSV or NDJSON, streamed, audited).
#[utoipa::path(
    tag = "activities",
    params(ListActivitiesQuery),
    responses(
        (status = 200, description = "The rows, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/activities/export")]
pub async fn export_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    query: Query<ListActivitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = pages(state.clone(), user, query.0, activity_page);
    export::respond(
        state,
        &req,
        export_of("activities", "ActivityDto", Some(user), &req, next),
    )
    .await
}
