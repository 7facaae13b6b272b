//! The duplicate check: before anyone types a whole record, which customers
//! already match a name, phone, e-mail or credit code, across all scopes. Only
//! the id, name and owner of a match are shown.

use actix_web::{HttpResponse, post, web};
use domain::dedup::{CompanyName, CreditCode, SuffixList};
use domain::vocabulary::FieldCode;
use persistence::customers;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateCheck {
    #[validate(length(max = 200))]
    #[schema(example = "华为技术（有限公司）", max_length = 200)]
    pub name: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub phone: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub credit_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DuplicateMatch {
    pub customer_id: i64,
    pub name: String,
    /// `null` when the customer is in the pool.
    pub owner_name: Option<String>,
    pub in_pool: bool,
    /// Which of the given fields matched: `name`, `credit_code`, `phone`, `email`.
    pub matched_on: Vec<String>,
    /// 1.0 for exact matches; the name similarity for similar ones.
    pub score: f64,
}

/// An open lead matching the check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadDuplicate {
    pub lead_id: i64,
    pub company: Option<String>,
    pub person_name: Option<String>,
    /// `null` while the lead is unassigned.
    pub owner_name: Option<String>,
    pub matched_on: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateReport {
    /// Open (unconverted) leads with the same company, phone or e-mail.
    pub leads: Vec<LeadDuplicate>,
    /// Same company: creating it again would be refused.
    pub exact: Vec<DuplicateMatch>,
    /// Look-alike names, best first: a warning, not a block.
    pub similar: Vec<DuplicateMatch>,
}

/// A look-alike customer as the API shows it.
pub fn look_alike_match(l: customers::LookAlike) -> DuplicateMatch {
    DuplicateMatch {
        customer_id: l.candidate.id,
        in_pool: l.candidate.owner_id.is_none(),
        name: l.candidate.name,
        owner_name: l.owner_name,
        matched_on: vec!["name".to_owned()],
        score: l.score,
    }
}

/// Finds customers matching any of the given fields.
#[utoipa::path(
    tag = "customers",
    request_body = DuplicateCheck,
    responses(
        (status = 200, body = DuplicateReport),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/duplicate-check")]
pub async fn check_duplicates(
    state: web::Data<AppState>,
    _user: AuthUser,
    body: Json<DuplicateCheck>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let name_key = b
        .name
        .as_deref()
        .and_then(|n| CompanyName::parse(n, &SuffixList::default()))
        .map(|n| n.key().to_owned());
    // a phone, e-mail or credit code given is checked as a create checks it
    let mut errors = Vec::new();
    let credit = match b.credit_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match CreditCode::parse(c) {
            Ok(code) => Some(code.as_str().to_owned()),
            Err(e) => {
                let code = e.code();
                errors.push(crate::error::FieldError::new("credit_code", code, e.to_string()));
                None
            }
        },
    };
    let phone = crate::routes::contacts::phone_key(b.phone.as_deref(), &mut errors);
    let email = crate::routes::contacts::email_key(b.email.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // nothing given at all is a mistake; something given that matches
    // nothing (a name that is only a legal form, a bad phone) finds nothing
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&b.name) && blank(&b.credit_code) && blank(&b.phone) && blank(&b.email) {
        return Err(ApiError::invalid_field(
            "name",
            FieldCode::Required,
            "give at least one of name, phone, email or a valid credit_code",
        ));
    }
    let keys = customers::DuplicateKeys {
        name_key,
        credit_code: credit,
        phone_key: phone,
        email_key: email,
    };
    let common = state.db.shared::<customers::name_index::CommonGrams>();
    let found = state
        .read(move |conn| Ok(customers::duplicates(conn, &keys, &common)?))
        .await?;
    let report = DuplicateReport {
        leads: found
            .leads
            .into_iter()
            .map(|l| LeadDuplicate {
                lead_id: l.lead_id,
                company: l.company,
                person_name: l.person_name,
                owner_name: l.owner_name,
                matched_on: l.matched_on.into_iter().map(str::to_owned).collect(),
            })
            .collect(),
        exact: found
            .exact
            .into_iter()
            .map(|m| DuplicateMatch {
                customer_id: m.candidate.id,
                in_pool: m.candidate.owner_id.is_none(),
                name: m.candidate.name,
                owner_name: m.owner_name,
                matched_on: m.matched_on.into_iter().map(str::to_owned).collect(),
                score: 1.0,
            })
            .collect(),
        similar: found.similar.into_iter().map(look_alike_match).collect(),
    };
    Ok(HttpResponse::Ok().json(report))
}
