//! Opening and changing a deal as one operation each, in the caller's
//! transaction: the caller's scope, the customer's access, custom values
//! checked before anything is written, the contact and pipeline checked,
//! then the deal and its values.

use chrono::{DateTime, NaiveDate, Utc};
use domain::custom_fields::{CustomEntity, Refusal};
use serde_json::{Map, Value};

use super::{NewOpportunityRow, OpportunityChangeset, OpportunityRow};
use crate::scope::Principal;
use crate::{DbConn, RepoError, contacts, custom_fields, customers, naive};

const DEAL: CustomEntity = CustomEntity::Opportunity;

/// A deal to open: it starts in the first open stage of its pipeline (the
/// default pipeline when none is named) and belongs to the caller.
#[derive(Debug, Clone)]
pub struct NewDeal {
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub pipeline_id: Option<i64>,
    pub title: String,
    pub amount: Option<i64>,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
}

/// A deal and its custom values.
#[derive(Debug, Clone)]
pub struct DealView {
    pub row: OpportunityRow,
    pub custom_fields: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum DealError {
    #[error("no such customer in your scope")]
    NoSuchCustomer,
    #[error("you may read this customer but not change it")]
    CustomerReadOnly,
    #[error("no such deal in your scope")]
    NotFound,
    /// `contact_id` is no live contact of the deal's customer.
    #[error("not a contact of this customer")]
    NoSuchContact,
    #[error("there is no pipeline {0}")]
    NoSuchPipeline(i64),
    #[error("the pipeline has no open stage")]
    PipelineEmpty,
    /// Custom field values the definitions refuse, each naming its field.
    #[error("custom field values refused")]
    CustomFields(Vec<Refusal>),
    /// No active competitor (or none in play on the deal) has this id.
    #[error("no such competitor")]
    NoSuchCompetitor(i64),
    /// No milestone of this deal has this id.
    #[error("no such milestone on this deal")]
    NoSuchMilestone,
    /// A milestone's owner who is not an active user the caller may give work to.
    #[error("user {0} may not own this milestone")]
    NoSuchOwner(i64),
    /// The contact is not on the deal's committee.
    #[error("this contact is not on the deal's committee")]
    NotSeated,
    /// No active checkpoint of this deal's pipeline has this id.
    #[error("no such checkpoint in this deal's pipeline")]
    NoSuchCheckpoint,
    /// The rep's judgement of the deal is refused.
    #[error(transparent)]
    Judgement(domain::pipeline::judgement::JudgementError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for DealError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use DealError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NoSuchCustomer => Refused::not_found("customer"),
            E::CustomerReadOnly => Refused::forbidden("you may read this customer but not change it"),
            E::NotFound => Refused::not_found("opportunity"),
            E::NoSuchContact => Refused::field("contact_id", FieldCode::NotFound, "not a contact of this customer"),
            E::NoSuchPipeline(id) => {
                Refused::field("pipeline_id", FieldCode::NotFound, format!("there is no pipeline {id}"))
            }
            E::PipelineEmpty => Refused::conflict(ErrorCode::PipelineEmpty, "the pipeline has no open stage"),
            E::CustomFields(refusals) => Refused::fields(refusals),
            E::NoSuchCheckpoint => Refused::not_found("checkpoint"),
            E::NotSeated => Refused::not_found("committee member"),
            E::NoSuchMilestone => Refused::not_found("milestone"),
            E::NoSuchOwner(id) => Refused::field(
                "owner_id",
                FieldCode::NotFound,
                format!("there is no active user {id} you may give work to"),
            ),
            E::NoSuchCompetitor(_) => Refused::not_found("competitor"),
            E::Judgement(e) => e.into(),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for DealError {
    fn from(e: diesel::result::Error) -> Self {
        DealError::Repo(e.into())
    }
}

impl From<customers::Denied> for DealError {
    fn from(e: customers::Denied) -> Self {
        match e {
            customers::Denied::NotFound => DealError::NoSuchCustomer,
            customers::Denied::ReadOnly => DealError::CustomerReadOnly,
            customers::Denied::Repo(e) => DealError::Repo(e),
        }
    }
}

type Result<T> = std::result::Result<T, DealError>;

fn check_contact(conn: &mut DbConn, customer_id: i64, contact_id: i64) -> Result<()> {
    match contacts::find_live(conn, contact_id) {
        Ok(row) if row.customer_id == customer_id => Ok(()),
        Ok(_) | Err(RepoError::NotFound) => Err(DealError::NoSuchContact),
        Err(e) => Err(e.into()),
    }
}

fn with_values(conn: &mut DbConn, row: OpportunityRow) -> Result<DealView> {
    let custom_fields = custom_fields::values_of(conn, DEAL, row.id)?;
    Ok(DealView { row, custom_fields })
}

/// Opens a deal on a customer the caller may change.
pub fn create(
    conn: &mut DbConn,
    by: &Principal,
    new: NewDeal,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<DealView> {
    let scope = by.scope(conn)?;
    customers::reach(conn, &scope, new.customer_id, true, now)?;
    let cells = custom_fields::check(conn, DEAL, custom, true)?.map_err(DealError::CustomFields)?;
    if let Some(contact) = new.contact_id {
        check_contact(conn, new.customer_id, contact)?;
    }
    let pipeline = match new.pipeline_id {
        Some(id) => match super::pipeline(conn, id) {
            Err(RepoError::NotFound) => return Err(DealError::NoSuchPipeline(id)),
            other => other?,
        },
        None => super::default_pipeline(conn)?,
    };
    let first = super::stages_of(conn, &[pipeline.id])?
        .into_iter()
        .find(|s| s.kind == "open")
        .ok_or(DealError::PipelineEmpty)?;
    let row = NewOpportunityRow {
        customer_id: new.customer_id,
        contact_id: new.contact_id,
        pipeline_id: pipeline.id,
        stage_id: first.id,
        title: new.title,
        amount: new.amount,
        currency: new.currency,
        expected_close_date: new.expected_close_date,
        owner_id: by.user_id,
        stage_entered_at: naive(now),
        created_at: naive(now),
        updated_at: naive(now),
    };
    let row = super::insert(conn, &row, by.user_id, now)?;
    custom_fields::save(conn, DEAL, row.id, &cells)?;
    with_values(conn, row)
}

/// Changes a deal in the caller's scope, if still at `expected_version`
/// (`RepoError::Stale` otherwise). Stage and status move by transitions only.
pub fn edit(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: &OpportunityChangeset,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<DealView> {
    let scope = by.scope(conn)?;
    let deal = super::find_visible(conn, id, &scope)?.ok_or(DealError::NotFound)?;
    let cells = custom_fields::check(conn, DEAL, custom, false)?.map_err(DealError::CustomFields)?;
    if let Some(Some(contact)) = changes.contact_id {
        check_contact(conn, deal.customer_id, contact)?;
    }
    let row = super::update(conn, id, expected_version, changes, now)?;
    custom_fields::save(conn, DEAL, row.id, &cells)?;
    with_values(conn, row)
}
