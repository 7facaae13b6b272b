//! Checking a lead as a client sends it: contact facts, keys for dedup,
//! dictionary codes.

use std::collections::HashSet;

use domain::dedup::{CompanyName, SuffixList};
use domain::leads::missing_lead_fields;
use domain::vocabulary::FieldCode;
use persistence::leads::NewLeadRow;
use persistence::{DbConn, dictionaries};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{ApiError, FieldError};
use crate::routes::contacts::{email_key, phone_key};

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
    /// Values of the admin's custom fields, by key (`GET /custom-fields?entity=lead`).
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

pub(super) fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
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

    /// The codes as `(kind, code)` pairs, as `leads::enter` reads them.
    pub fn from_list(codes: Vec<(String, String)>) -> Codes {
        Codes(codes.into_iter().collect())
    }

    fn has(&self, kind: &str, code: &str) -> bool {
        self.0.contains(&(kind.to_owned(), code.to_owned()))
    }
}

/// Checks a lead: someone to talk to (a person or company name) and a way to
/// reach them (phone or e-mail), valid phone/e-mail, known dictionary codes.
/// The answer is the row to store, with its duplicate keys.
pub fn prepare(input: &LeadInput, codes: &Codes) -> Result<NewLeadRow, Vec<FieldError>> {
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
                FieldCode::NulCharacter,
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
        errors.push(FieldError::new(field, FieldCode::Required, why));
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
                FieldCode::NotFound,
                format!("`{v}` is not an active {field}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let company_key = company
        .as_deref()
        .and_then(|c| CompanyName::parse(c, &SuffixList::default()))
        .map(|c| c.key().to_owned());
    Ok(NewLeadRow {
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
    })
}
