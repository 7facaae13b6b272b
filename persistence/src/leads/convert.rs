//! Converting a lead into a customer, one operation in the caller's
//! transaction: the lead in scope and still open, the customer created,
//! claimed from the pool or reused by the duplicate rules (domain
//! `leads::conversion`), a contact from the lead's person, the lead's
//! activities moved over, and the lead marked converted.

use chrono::{DateTime, Utc};
use domain::customer::Grade;
use domain::leads::conversion::{self, OnExisting, Outcome};

use super::{LeadChangeset, LeadRow};
use crate::customers::{self, CustomerRow, CustomerWriteError, NewCustomer};
use crate::pool::PoolError;
use crate::scope::Principal;
use crate::{DbConn, RepoError, activities, contacts, naive};

/// What the caller asks of a conversion.
#[derive(Debug, Clone, Default)]
pub struct ConvertLead {
    pub customer_name: Option<String>,
    pub grade: Option<Grade>,
    /// Also create a contact from the lead's person.
    pub create_contact: bool,
}

#[derive(Debug, Clone)]
pub struct Converted {
    pub lead: LeadRow,
    pub customer: CustomerRow,
    pub outcome: Outcome,
    pub contact_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("no such lead in your scope")]
    NotFound,
    #[error("the lead is already {0}")]
    Closed(String),
    #[error("the lead has no company; give customer_name")]
    NameRequired,
    /// The customer could not be created (another rep's company, a race).
    #[error(transparent)]
    Customer(CustomerWriteError),
    /// The pool customer could not be claimed for `owner`.
    #[error("{error}")]
    Pool { error: PoolError, owner: i64 },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for ConvertError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use ConvertError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("lead"),
            E::Closed(status) => Refused::conflict(ErrorCode::LeadClosed, format!("the lead is already {status}")),
            E::NameRequired => Refused::field(
                "customer_name",
                FieldCode::Required,
                "the lead has no company; give customer_name",
            ),
            E::Customer(e) => return crate::Explain::explain(e),
            E::Pool { error, .. } => return crate::Explain::explain(error),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Converts lead `id` for the caller (a rep converts for themselves, others
/// for the lead's owner).
pub fn convert(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    ask: ConvertLead,
    now: DateTime<Utc>,
) -> Result<Converted, ConvertError> {
    by.acting(conn, |conn, actor| {
        let lead = super::find_visible(conn, id, actor.scope)?.ok_or(ConvertError::NotFound)?;
        if !super::OPEN.contains(&lead.status.as_str()) {
            return Err(ConvertError::Closed(lead.status));
        }
        let name = conversion::customer_name(
            ask.customer_name.as_deref(),
            lead.company.as_deref(),
            lead.person_name.as_deref(),
        )
        .ok_or(ConvertError::NameRequired)?;
        let name = domain::dedup::CompanyName::parse(&name, &domain::dedup::SuffixList::default())
            .ok_or(ConvertError::NameRequired)?;
        let key = name.key().to_owned();
        let owner = conversion::owner(lead.owner_id, actor.user_id, by.role == domain::org::Role::Rep);
        let existing = customers::existing(conn, &key, None, None).map_err(ConvertError::Customer)?;
        let (customer, outcome) = match existing {
            None => {
                let new = NewCustomer {
                    industry: lead.industry.clone(),
                    region: lead.region.clone(),
                    source: lead.source.clone(),
                    grade: ask.grade.unwrap_or_default(),
                    phone: lead.phone.clone(),
                    phone_key: lead.phone_key.clone(),
                    email: lead.email.clone(),
                    email_key: lead.email_key.clone(),
                    notes: lead.notes.clone(),
                    ..NewCustomer::named(name)
                };
                let mut outbox = crate::events::Outbox::load(conn)?;
                let row = customers::insert_checked(conn, actor.user_id, &mut outbox, new, owner, Some(lead.id), now)
                    .map_err(ConvertError::Customer)?;
                (row, Outcome::Created)
            }
            Some(e) => match conversion::on_existing(e.row.owner_id, owner) {
                OnExisting::Reuse => (e.row, Outcome::Existing),
                OnExisting::Claim => {
                    let claimed = crate::pool::claim(conn, owner, actor.user_id, e.row.id, now)
                        .map_err(|error| ConvertError::Pool { error, owner })?;
                    (claimed.row, Outcome::ClaimedFromPool)
                }
                OnExisting::Refuse => return Err(ConvertError::Customer(CustomerWriteError::Exists(Box::new(e)))),
            },
        };
        let contact_id = match (ask.create_contact, &lead.person_name) {
            (true, Some(person)) => Some(contact_from(conn, &lead, person, customer.id, outcome, now)?),
            _ => None,
        };
        activities::attach_activities(conn, lead.id, customer.id)?;
        let changes = LeadChangeset {
            status: Some("converted".into()),
            converted_customer_id: Some(Some(customer.id)),
            converted_at: Some(Some(naive(now))),
            ..LeadChangeset::default()
        };
        let lead = super::update(conn, lead.id, None, &changes, now)?;
        Ok(Converted {
            lead,
            customer: customers::find(conn, customer.id)?,
            outcome,
            contact_id,
        })
    })
}

fn contact_from(
    conn: &mut DbConn,
    lead: &LeadRow,
    person: &str,
    customer_id: i64,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<i64, RepoError> {
    let row = contacts::NewContactRow {
        customer_id,
        name: person.to_owned(),
        title: lead.title.clone(),
        phone: lead.phone.clone(),
        phone_key: lead.phone_key.clone(),
        email: lead.email.clone(),
        email_key: lead.email_key.clone(),
        wechat: None,
        kp_role: "other".into(),
        is_primary: outcome.contact_is_primary(),
        preferred_channel: None,
        notes: None,
        created_at: naive(now),
        updated_at: naive(now),
    };
    Ok(contacts::insert(conn, &row)?.id)
}
