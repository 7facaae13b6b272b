//! Leads (线索): intake with dedup and rule-based assignment, lists with the
//! overdue view, manual (re)assignment, follow-up activities that mark first
//! contact, disqualification and conversion into a customer.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::auth::ApiScope;
use domain::dedup::{SuffixList, normalize_company_name};
use domain::leads::{
    Assignment, LeadFacts, Roster, Rule, Target, activity_time, assign, assign_duplicate, first_contact_due,
    is_contact, missing_lead_fields, reassign,
};
use domain::org::Role;
use domain::scope::DataScope;
use persistence::leads::{self, DedupIndex, Duplicate, LeadChangeset, LeadFilter, LeadRow, NewLeadRow};
use persistence::{DbConn, audit, dictionaries, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AuthUser, Caller};
use crate::error::{ApiError, FieldError};
use crate::extract::{IfMatch, Json, PathId, Query, etag};
use crate::pagination;
use crate::routes::contacts::{email_key, phone_key};
use crate::routes::scope::{check_assignable, scope_of};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Converted,
    Disqualified,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Converted => "converted",
            LeadStatus::Disqualified => "disqualified",
        }
    }
    fn parse(s: &str) -> LeadStatus {
        match s {
            "contacted" => LeadStatus::Contacted,
            "qualified" => LeadStatus::Qualified,
            "converted" => LeadStatus::Converted,
            "disqualified" => LeadStatus::Disqualified,
            _ => LeadStatus::New,
        }
    }
}

/// What a lead duplicates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateOf {
    /// `lead` or `customer`.
    pub kind: &'static str,
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadDto {
    pub id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    /// What the form or script sent, as received.
    #[schema(value_type = Option<Object>)]
    pub raw_payload: Option<serde_json::Value>,
    pub notes: Option<String>,
    pub status: LeadStatus,
    pub disqualify_reason: Option<String>,
    /// `null` while in the unassigned queue.
    pub owner_id: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The rule that assigned it, if a rule did.
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<DateTime<Utc>>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    /// Open and past its first-contact deadline.
    pub overdue: bool,
    pub duplicate_of: Option<DuplicateOf>,
    pub converted_customer_id: Option<i64>,
    pub converted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

pub fn to_dto(r: LeadRow, now: DateTime<Utc>) -> LeadDto {
    let status = LeadStatus::parse(&r.status);
    let open = leads::OPEN.contains(&r.status.as_str());
    LeadDto {
        overdue: open && r.first_contacted_at.is_none() && r.first_contact_due_at.is_some_and(|d| d.and_utc() < now),
        duplicate_of: match (r.duplicate_of_customer_id, r.duplicate_of_lead_id) {
            (Some(id), _) => Some(DuplicateOf { kind: "customer", id }),
            (None, Some(id)) => Some(DuplicateOf { kind: "lead", id }),
            _ => None,
        },
        raw_payload: r.raw_payload.as_deref().and_then(|p| serde_json::from_str(p).ok()),
        id: r.id,
        person_name: r.person_name,
        company: r.company,
        title: r.title,
        phone: r.phone,
        email: r.email,
        region: r.region,
        industry: r.industry,
        source: r.source,
        form_id: r.form_id,
        notes: r.notes,
        status,
        disqualify_reason: r.disqualify_reason,
        owner_id: r.owner_id,
        assigned_at: r.assigned_at.map(|t| t.and_utc()),
        assigned_by_rule: r.assigned_by_rule,
        first_contact_due_at: r.first_contact_due_at.map(|t| t.and_utc()),
        first_contacted_at: r.first_contacted_at.map(|t| t.and_utc()),
        converted_customer_id: r.converted_customer_id,
        converted_at: r.converted_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        version: r.version,
    }
}

/// A lead as a client sends it (API, import row, mapped form fields).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    #[validate(length(max = 100))]
    #[schema(example = "王先生", max_length = 100)]
    pub person_name: Option<String>,
    #[validate(length(max = 200))]
    #[schema(example = "上海某某科技有限公司", max_length = 200)]
    pub company: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[validate(length(max = 50))]
    #[schema(example = "13800138000", max_length = 50)]
    pub phone: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// A `region` dictionary code.
    pub region: Option<String>,
    /// An `industry` dictionary code.
    pub industry: Option<String>,
    /// A `source` dictionary code.
    pub source: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A checked lead, with its duplicate keys.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub row: NewLeadRow,
}

/// Active dictionary codes, loaded once per request (imports check thousands of rows).
pub struct Codes(HashSet<(String, String)>);

impl Codes {
    pub fn load(conn: &mut DbConn) -> Result<Codes, ApiError> {
        Ok(Codes(
            dictionaries::active_codes(conn, &["region", "industry", "source"])?
                .into_iter()
                .collect(),
        ))
    }

    fn has(&self, kind: &str, code: &str) -> bool {
        self.0.contains(&(kind.to_owned(), code.to_owned()))
    }
}

/// Checks a lead: someone to talk to (a person or company name) and a way to
/// reach them (phone or e-mail), valid phone/e-mail, known dictionary codes.
pub fn prepare(input: &LeadInput, codes: &Codes) -> Result<Prepared, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = input.validate() {
        errors.extend(crate::extract::validation_errors(&e));
    }
    // forms, CSV and NDJSON rows do not pass the JSON body check; PostgreSQL cannot store NUL
    let fields = [
        ("person_name", &input.person_name),
        ("company", &input.company),
        ("title", &input.title),
        ("phone", &input.phone),
        ("email", &input.email),
        ("region", &input.region),
        ("industry", &input.industry),
        ("source", &input.source),
        ("notes", &input.notes),
    ];
    for (field, value) in fields {
        if value.as_deref().is_some_and(|v| v.contains('\0')) {
            errors.push(FieldError::new(
                field,
                "nul_character",
                "text may not contain NUL characters",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (person, company, phone, email) = (
        clean(&input.person_name),
        clean(&input.company),
        clean(&input.phone),
        clean(&input.email),
    );
    for (field, why) in missing_lead_fields(person.is_some(), company.is_some(), phone.is_some(), email.is_some()) {
        errors.push(FieldError::new(field, "required", why));
    }
    let phone_key = phone_key(phone.as_deref(), &mut errors);
    let email_key = email_key(email.as_deref(), &mut errors);
    for (field, value) in [
        ("region", &input.region),
        ("industry", &input.industry),
        ("source", &input.source),
    ] {
        if let Some(v) = clean(value)
            && !codes.has(field, &v)
        {
            errors.push(FieldError::new(
                field,
                "unknown_value",
                format!("`{v}` is not an active {field}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let company_key = company
        .as_deref()
        .map(|c| normalize_company_name(c, &SuffixList::default()))
        .filter(|k| !k.is_empty());
    Ok(Prepared {
        row: NewLeadRow {
            person_name: person,
            company,
            company_key,
            title: clean(&input.title),
            phone,
            phone_key,
            email,
            email_key,
            region: clean(&input.region),
            industry: clean(&input.industry),
            source: clean(&input.source),
            notes: clean(&input.notes),
            ..NewLeadRow::default()
        },
    })
}

/// Who brought a lead in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub form_id: Option<i64>,
}

/// The routing facts of one intake batch: rules and roster, loaded once and
/// kept current as leads are assigned.
pub struct Router {
    rules: Vec<Rule>,
    roster: Roster,
    sla: chrono::Duration,
}

impl Router {
    pub fn load(conn: &mut DbConn, sla: chrono::Duration) -> Result<Router, ApiError> {
        let rules: Vec<Rule> = leads::rules(conn, true)?.iter().filter_map(|r| r.rule()).collect();
        let roster = leads::roster(conn, &rules)?;
        Ok(Router { rules, roster, sla })
    }
}

/// One lead arriving, with what its sender sent.
pub struct Incoming {
    pub prepared: Prepared,
    pub raw_payload: Option<String>,
}

/// What became of an incoming lead.
#[derive(Debug, Clone, Copy)]
pub struct Intaken {
    pub id: i64,
    pub duplicate: Option<Duplicate>,
}

/// Stores incoming leads in order. Each is linked to what it duplicates (a live
/// customer or an open lead, earlier leads of the same batch included) and
/// routed to that record's active owner; otherwise it goes to `default_owner`
/// (a rep entering their own lead) or the assignment rules place it. Duplicate
/// lookups are a few set queries for the whole batch, then one insert a lead.
pub fn intake(
    conn: &mut DbConn,
    router: &mut Router,
    incoming: Vec<Incoming>,
    origin: Origin,
    default_owner: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<Intaken>, ApiError> {
    let keys = |f: fn(&NewLeadRow) -> &Option<String>| -> Vec<String> {
        let mut v: Vec<String> = incoming.iter().filter_map(|i| f(&i.prepared.row).clone()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (companies, phones, emails) = (keys(|r| &r.company_key), keys(|r| &r.phone_key), keys(|r| &r.email_key));
    let mut index = DedupIndex::load(conn, &companies, &phones, &emails)?;
    let owners = leads::candidates(conn, &index.owner_ids())?;
    let mut cursors: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::with_capacity(incoming.len());
    for item in incoming {
        let mut row = item.prepared.row;
        let duplicate = index.find(
            row.company_key.as_deref(),
            row.phone_key.as_deref(),
            row.email_key.as_deref(),
        );
        let existing_owner = duplicate
            .and_then(Duplicate::owner_id)
            .and_then(|o| owners.get(&o).copied());
        let facts = LeadFacts {
            region: row.region.as_deref(),
            industry: row.industry.as_deref(),
            source: row.source.as_deref(),
        };
        let assignment = assign_duplicate(existing_owner).unwrap_or_else(|| match default_owner {
            Some(user_id) => Assignment::User { user_id, rule_id: None },
            None => assign(&facts, &router.rules, &router.roster),
        });
        if let Assignment::User { user_id, rule_id } = assignment {
            row.owner_id = Some(user_id);
            row.assigned_at = Some(now.naive_utc());
            row.assigned_by_rule = rule_id;
            row.first_contact_due_at = Some(first_contact_due(now, router.sla).naive_utc());
            if let Some(c) = router.roster.users.get_mut(&user_id) {
                c.open_leads += 1;
            }
            if let Some(Target::Department(d)) = rule_id
                .and_then(|id| router.rules.iter().find(|r| r.id == id))
                .map(|r| r.target)
            {
                router.roster.cursors.insert(d, user_id);
                cursors.insert(d, user_id);
            }
        }
        match duplicate {
            Some(Duplicate::Customer { id, .. }) => row.duplicate_of_customer_id = Some(id),
            Some(Duplicate::Lead { id, .. }) => row.duplicate_of_lead_id = Some(id),
            None => {}
        }
        row.created_by = origin.created_by;
        row.api_key_id = origin.api_key_id;
        row.form_id = origin.form_id;
        row.raw_payload = item.raw_payload;
        row.created_at = now.naive_utc();
        row.updated_at = now.naive_utc();
        let id = leads::insert(conn, &row)?;
        index.add_lead(
            id,
            row.owner_id,
            row.company_key.as_deref(),
            row.phone_key.as_deref(),
            row.email_key.as_deref(),
        );
        out.push(Intaken { id, duplicate });
    }
    for (department, user) in cursors {
        leads::set_cursor(conn, department, user)?;
    }
    Ok(out)
}

/// Stores one lead (see [`intake`]) and reads it back.
pub fn intake_one(
    conn: &mut DbConn,
    router: &mut Router,
    incoming: Incoming,
    origin: Origin,
    default_owner: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(LeadRow, Option<Duplicate>), ApiError> {
    let done = intake(conn, router, vec![incoming], origin, default_owner, now)?;
    let first = done
        .first()
        .copied()
        .ok_or_else(|| ApiError::internal("intake stored nothing"))?;
    Ok((leads::find(conn, first.id)?, first.duplicate))
}

/// Who may read and write leads: users by role scope, keys with the scope.
fn lead_scope(conn: &mut DbConn, caller: &Caller) -> Result<DataScope, ApiError> {
    match caller {
        Caller::User(u) => scope_of(conn, u),
        Caller::Key(_) => Ok(DataScope::All),
    }
}

pub fn visible(conn: &mut DbConn, scope: &DataScope, id: i64) -> Result<LeadRow, ApiError> {
    leads::find_visible(conn, id, scope)?.ok_or_else(|| ApiError::not_found("lead"))
}

pub fn respond(status: actix_web::http::StatusCode, row: LeadRow) -> HttpResponse {
    let dto = to_dto(row, now_utc());
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(dto.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/leads/{}", dto.id)));
    }
    res.json(dto)
}

/// Creates one lead (a user, or a key with `leads:write`). A lead matching a
/// customer or an open lead is kept and linked (`duplicate_of`) and goes to
/// that record's owner; otherwise a rep keeps the lead they entered, and the
/// assignment rules place everyone else's.
#[utoipa::path(
    tag = "leads",
    request_body = LeadInput,
    responses(
        (status = 201, body = LeadDto, headers(("ETag" = String), ("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"]))
)]
#[post("/leads")]
pub async fn create_lead(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<LeadInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsWrite)?;
    let input = body.0;
    let sla = state.limits.first_contact_sla;
    let row = state
        .write(move |conn| {
            let codes = Codes::load(conn)?;
            let prepared = prepare(&input, &codes).map_err(ApiError::validation)?;
            let mut router = Router::load(conn, sla)?;
            let origin = match &caller {
                Caller::User(u) => Origin {
                    created_by: Some(u.id),
                    ..Origin::default()
                },
                Caller::Key(k) => Origin {
                    api_key_id: Some(k.key_id),
                    ..Origin::default()
                },
            };
            // a rep entering a lead keeps it; anyone else's goes through the rules
            let own = match &caller {
                Caller::User(u) if u.role == Role::Rep => Some(u.id),
                _ => None,
            };
            let (row, _) = intake_one(
                conn,
                &mut router,
                Incoming {
                    prepared,
                    raw_payload: None,
                },
                origin,
                own,
                now_utc(),
            )?;
            Ok(row)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::CREATED, row))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListLeadsQuery {
    pub status: Option<LeadStatus>,
    pub owner_id: Option<i64>,
    /// Only leads in the unassigned queue.
    pub unassigned: Option<bool>,
    /// Only open leads past their first-contact deadline.
    pub overdue: Option<bool>,
    pub source: Option<String>,
    /// Part of the company, person name or e-mail.
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default) or `-id`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPage {
    pub data: Vec<LeadDto>,
    pub next_cursor: Option<String>,
}

/// Lists leads the caller may see: reps their own, managers the queue and their
/// subtree, admins and keys with `leads:read` everything.
#[utoipa::path(
    tag = "leads",
    params(ListLeadsQuery),
    responses(
        (status = 200, body = LeadPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["leads:read"]))
)]
#[get("/leads")]
pub async fn list_leads(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListLeadsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsRead)?;
    let q = query.0;
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id"])?;
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref(), &sort)?.map(|p| p.id);
    let filter = LeadFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        unassigned: q.unassigned.unwrap_or(false),
        overdue: q.overdue.unwrap_or(false),
        source: clean(&q.source),
        q: clean(&q.q),
        updated_since: q.updated_since,
    };
    let descending = sort.descending;
    let now = now_utc();
    let rows = state
        .read(move |conn| {
            let scope = lead_scope(conn, &caller)?;
            Ok(leads::list(conn, &scope, &filter, descending, after, limit + 1, now)?)
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| (r.id.into(), r.id));
    Ok(HttpResponse::Ok().json(LeadPage {
        data: rows.into_iter().map(|r| to_dto(r, now)).collect(),
        next_cursor,
    }))
}

/// Reads one lead.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = LeadDto, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["leads:read"]))
)]
#[get("/leads/{id}")]
pub async fn get_lead(state: web::Data<AppState>, caller: Caller, id: PathId) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsRead)?;
    let row = state
        .read(move |conn| {
            let scope = lead_scope(conn, &caller)?;
            visible(conn, &scope, id.0)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLead {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub person_name: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// `contacted`, `qualified` or `disqualified` (with a reason); conversion has its own endpoint.
    pub status: Option<LeadStatus>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub disqualify_reason: Option<String>,
}

/// Changes a lead's details or status. Disqualifying needs a reason.
#[utoipa::path(
    tag = "leads",
    request_body = UpdateLead,
    params(("id" = i64, Path, description = "Lead id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses(
        (status = 200, body = LeadDto, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/leads/{id}")]
pub async fn update_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateLead>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    match b.status {
        Some(LeadStatus::Converted | LeadStatus::New) => {
            return Err(ApiError::invalid_field(
                "status",
                "transition",
                "convert with POST /leads/{id}/convert; a lead cannot go back to new",
            ));
        }
        Some(LeadStatus::Disqualified) if b.disqualify_reason.is_none() => {
            return Err(ApiError::invalid_field(
                "disqualify_reason",
                "required",
                "say why the lead is disqualified",
            ));
        }
        _ => {}
    }
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let before = visible(conn, &scope, id.0)?;
            if b.status.is_some() && !leads::OPEN.contains(&before.status.as_str()) {
                return Err(ApiError::conflict(
                    "lead_closed",
                    format!("the lead is already {}", before.status),
                ));
            }
            let changes = LeadChangeset {
                person_name: b.person_name.map(|s| Some(s.trim().to_owned())),
                title: b.title.map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
                notes: b.notes.map(Some),
                status: b.status.map(|s| s.as_str().to_owned()),
                disqualify_reason: b.disqualify_reason.map(Some),
                ..LeadChangeset::default()
            };
            Ok(leads::update(conn, id.0, if_match.0, &changes, now_utc())?)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignLead {
    /// The new owner; `null` puts the lead back in the unassigned queue.
    pub user_id: Option<i64>,
}

/// Assigns or reassigns a lead by hand (managers within their subtree, admins);
/// the first-contact deadline restarts.
#[utoipa::path(
    tag = "leads",
    request_body = AssignLead,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = LeadDto),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/assign")]
pub async fn assign_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<AssignLead>,
) -> Result<HttpResponse, ApiError> {
    if user.role == Role::Rep {
        return Err(ApiError::forbidden("only managers and admins assign leads"));
    }
    let to = body.0.user_id;
    let sla = state.limits.first_contact_sla;
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let before = visible(conn, &scope, id.0)?;
            if let Some(to) = to {
                check_assignable(conn, &scope, to, "user_id")?;
            }
            let now = now_utc();
            let changes = LeadChangeset {
                owner_id: Some(to),
                assigned_at: Some(to.map(|_| now.naive_utc())),
                assigned_by_rule: Some(None),
                first_contact_due_at: Some(to.map(|_| first_contact_due(now, sla).naive_utc())),
                ..LeadChangeset::default()
            };
            let row = leads::update(conn, id.0, None, &changes, now)?;
            let detail = json!({"owner_id": [before.owner_id, to]}).to_string();
            audit::record(conn, "lead", id.0, "assigned", Some(user.id), &detail, now)?;
            Ok(row)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Visit,
    Wechat,
    Note,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Email => "email",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Visit => "visit",
            ActivityKind::Wechat => "wechat",
            ActivityKind::Note => "note",
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActivity {
    pub kind: ActivityKind,
    /// Default: now.
    pub occurred_at: Option<DateTime<Utc>>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub content: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub outcome: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<leads::ActivityRow> for ActivityDto {
    fn from(a: leads::ActivityRow) -> Self {
        ActivityDto {
            id: a.id,
            lead_id: a.lead_id,
            customer_id: a.customer_id,
            opportunity_id: a.opportunity_id,
            kind: a.kind,
            occurred_at: a.occurred_at.and_utc(),
            subject: a.subject,
            content: a.content,
            outcome: a.outcome,
            next_action: a.next_action,
            next_action_at: a.next_action_at.map(|t| t.and_utc()),
            created_by: a.created_by,
            created_at: a.created_at.and_utc(),
        }
    }
}

/// What a follow-up is about.
pub struct ActivityTarget {
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

/// Stores a follow-up `user` logs now; refuses one dated in the future.
/// Returns the row and when it happened.
pub fn log_activity(
    conn: &mut DbConn,
    b: CreateActivity,
    target: ActivityTarget,
    user: i64,
    now: DateTime<Utc>,
) -> Result<(leads::ActivityRow, DateTime<Utc>), ApiError> {
    let occurred = activity_time(b.occurred_at, now).ok_or_else(|| {
        ApiError::invalid_field(
            "occurred_at",
            "future",
            "an activity cannot have happened in the future",
        )
    })?;
    let row = leads::insert_activity(
        conn,
        &leads::NewActivityRow {
            lead_id: target.lead_id,
            customer_id: target.customer_id,
            opportunity_id: target.opportunity_id,
            kind: b.kind.as_str().to_owned(),
            occurred_at: occurred.naive_utc(),
            subject: b.subject,
            content: b.content,
            outcome: b.outcome,
            next_action: b.next_action,
            next_action_at: b.next_action_at.map(|t| t.naive_utc()),
            created_by: Some(user),
            created_at: now.naive_utc(),
        },
    )?;
    Ok((row, occurred))
}

/// Logs a follow-up on a lead. A call, e-mail, meeting, visit or WeChat is first
/// contact: it sets `first_contacted_at` and moves a new lead to `contacted`.
#[utoipa::path(
    tag = "leads",
    request_body = CreateActivity,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 201, body = ActivityDto),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/activities")]
pub async fn create_lead_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let activity = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let lead = visible(conn, &scope, id.0)?;
            let now = now_utc();
            let target = ActivityTarget {
                lead_id: Some(lead.id),
                customer_id: lead.converted_customer_id,
                opportunity_id: None,
            };
            let (row, occurred) = log_activity(conn, b, target, user.id, now)?;
            if is_contact(&row.kind) && lead.first_contacted_at.is_none() {
                let changes = LeadChangeset {
                    first_contacted_at: Some(Some(occurred.naive_utc())),
                    status: (lead.status == "new").then(|| "contacted".to_owned()),
                    ..LeadChangeset::default()
                };
                leads::update(conn, lead.id, None, &changes, now)?;
            }
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ActivityDto::from(activity)))
}

/// A lead's follow-ups, oldest first.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = Vec<ActivityDto>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/leads/{id}/activities")]
pub async fn list_lead_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0)?;
            Ok(leads::activities_of_lead(conn, id.0)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ActivityDto::from).collect::<Vec<_>>()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reassigned {
    /// Overdue leads given to another rep.
    pub reassigned: Vec<i64>,
    /// Overdue leads nobody else could take (left with their owner).
    pub kept: Vec<i64>,
}

/// Gives every overdue, never-contacted lead to another rep by the rules, with a
/// fresh deadline; reps who let a lead lapse do not get it back. Each move is audited.
pub fn reassign_overdue_leads(
    conn: &mut DbConn,
    scope: &DataScope,
    actor: Option<i64>,
    sla: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Reassigned, ApiError> {
    let filter = LeadFilter {
        overdue: true,
        ..LeadFilter::default()
    };
    let overdue = leads::list(conn, scope, &filter, false, None, 1000, now)?;
    let mut router = Router::load(conn, sla)?;
    let mut result = Reassigned {
        reassigned: Vec::new(),
        kept: Vec::new(),
    };
    for lead in overdue {
        let Some(owner) = lead.owner_id else { continue };
        let facts = LeadFacts {
            region: lead.region.as_deref(),
            industry: lead.industry.as_deref(),
            source: lead.source.as_deref(),
        };
        match reassign(&facts, &router.rules, &router.roster, owner) {
            Assignment::User { user_id, rule_id } => {
                let changes = LeadChangeset {
                    owner_id: Some(Some(user_id)),
                    assigned_at: Some(Some(now.naive_utc())),
                    assigned_by_rule: Some(rule_id),
                    first_contact_due_at: Some(Some(first_contact_due(now, sla).naive_utc())),
                    ..LeadChangeset::default()
                };
                leads::update(conn, lead.id, None, &changes, now)?;
                if let Some(c) = router.roster.users.get_mut(&user_id) {
                    c.open_leads += 1;
                }
                if let Some(Target::Department(d)) = rule_id
                    .and_then(|id| router.rules.iter().find(|r| r.id == id))
                    .map(|r| r.target)
                {
                    router.roster.cursors.insert(d, user_id);
                    leads::set_cursor(conn, d, user_id)?;
                }
                let detail = json!({"owner_id": [owner, user_id], "reason": "first contact overdue"}).to_string();
                audit::record(conn, "lead", lead.id, "reassigned", actor, &detail, now)?;
                result.reassigned.push(lead.id);
            }
            Assignment::Queue => result.kept.push(lead.id),
        }
    }
    Ok(result)
}

/// Reassigns overdue leads now (managers within their subtree, admins).
#[utoipa::path(
    tag = "leads",
    responses(
        (status = 200, body = Reassigned),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/leads/reassign-overdue")]
pub async fn reassign_overdue(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    if user.role == Role::Rep {
        return Err(ApiError::forbidden("only managers and admins reassign leads"));
    }
    let sla = state.limits.first_contact_sla;
    let result = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            reassign_overdue_leads(conn, &scope, Some(user.id), sla, now_utc())
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
