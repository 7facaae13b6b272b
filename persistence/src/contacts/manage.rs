//! The contact routes as operations, each in the caller's transaction: the
//! caller's scope, the customer's access, custom values checked before
//! anything is written, then the row and its values.

use chrono::{DateTime, Utc};
use domain::custom_fields::{CustomEntity, Refusal};
use domain::scope::DataScope;
use serde_json::{Map, Value};

use super::{ContactChangeset, ContactRow, NewContactRow};
use crate::scope::Principal;
use crate::{DbConn, RepoError, custom_fields, customers, naive};

const CONTACT: CustomEntity = CustomEntity::Contact;

/// A contact as its caller sees it.
#[derive(Debug, Clone)]
pub struct ContactView {
    pub row: ContactRow,
    pub custom_fields: Map<String, Value>,
    /// Phone and e-mail are hidden from this caller (a customer they see but do not own).
    pub masked: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    /// The customer is not live or not in the caller's scope.
    #[error("no such customer in your scope")]
    NoSuchCustomer,
    /// The contact is not live or its customer is not in the caller's scope.
    #[error("no such contact in your scope")]
    NotFound,
    #[error("you may read this customer but not change it")]
    ReadOnly,
    /// Custom field values the definitions refuse, each naming its field.
    #[error("custom field values refused")]
    CustomFields(Vec<Refusal>),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for ContactError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::Refused;

        use ContactError as E;
        Ok(match self {
            E::NoSuchCustomer => Refused::not_found("customer"),
            E::NotFound => Refused::not_found("contact"),
            E::ReadOnly => Refused::forbidden("you may read this customer but not change it"),
            E::CustomFields(refusals) => Refused::fields(refusals),
            E::Repo(e) => return Err(e),
        })
    }
}

type Result<T> = std::result::Result<T, ContactError>;

/// Whether the caller may see (or change, with `write`) the customer `id`,
/// and whether its contacts are masked for them.
fn customer_access(conn: &mut DbConn, scope: &DataScope, id: i64, write: bool, now: DateTime<Utc>) -> Result<bool> {
    match customers::reach(conn, scope, id, write, now) {
        Ok(row) => Ok(domain::mask::masked_for(scope, row.owner_id)),
        Err(customers::Denied::ReadOnly) => Err(ContactError::ReadOnly),
        Err(customers::Denied::NotFound) => Err(ContactError::NoSuchCustomer),
        Err(customers::Denied::Repo(e)) => Err(e.into()),
    }
}

/// A live contact whose customer the caller may see (or change).
fn in_scope(conn: &mut DbConn, by: &Principal, id: i64, write: bool, now: DateTime<Utc>) -> Result<(ContactRow, bool)> {
    let row = match super::find_live(conn, id) {
        Err(RepoError::NotFound) => return Err(ContactError::NotFound),
        other => other?,
    };
    let scope = by.scope(conn)?;
    match customer_access(conn, &scope, row.customer_id, write, now) {
        Err(ContactError::NoSuchCustomer) => Err(ContactError::NotFound),
        other => Ok((row, other?)),
    }
}

fn refused(
    checked: custom_fields::Checked,
) -> Result<std::collections::BTreeMap<i64, Vec<domain::custom_fields::Cell>>> {
    checked.map_err(ContactError::CustomFields)
}

/// The live contacts of a customer the caller may see, the primary one first.
pub fn of_customer(
    conn: &mut DbConn,
    by: &Principal,
    customer_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ContactView>> {
    let scope = by.scope(conn)?;
    let masked = customer_access(conn, &scope, customer_id, false, now)?;
    let rows = super::list_for(conn, customer_id)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut custom = custom_fields::values(conn, CONTACT, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| ContactView {
            custom_fields: custom.remove(&row.id).unwrap_or_default(),
            row,
            masked,
        })
        .collect())
}

/// One contact the caller may see.
pub fn view(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<ContactView> {
    let (row, masked) = in_scope(conn, by, id, false, now)?;
    let custom_fields = custom_fields::values_of(conn, CONTACT, row.id)?;
    Ok(ContactView {
        row,
        custom_fields,
        masked,
    })
}

/// Adds a contact to a customer the caller may change (`new.customer_id`).
pub fn create(
    conn: &mut DbConn,
    by: &Principal,
    mut new: NewContactRow,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<ContactView> {
    let scope = by.scope(conn)?;
    customer_access(conn, &scope, new.customer_id, true, now)?;
    let cells = refused(custom_fields::check(conn, CONTACT, custom, true)?)?;
    (new.created_at, new.updated_at) = (naive(now), naive(now));
    let row = super::insert(conn, &new)?;
    custom_fields::save(conn, CONTACT, row.id, &cells)?;
    let custom_fields = custom_fields::values_of(conn, CONTACT, row.id)?;
    Ok(ContactView {
        row,
        custom_fields,
        masked: false,
    })
}

/// Changes a contact of a customer the caller may change, if still at
/// `expected_version` (`RepoError::Stale` otherwise).
pub fn edit(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: &ContactChangeset,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<ContactView> {
    let (row, masked) = in_scope(conn, by, id, true, now)?;
    let cells = refused(custom_fields::check(conn, CONTACT, custom, false)?)?;
    let row = super::update(conn, &row, expected_version, changes, now)?;
    custom_fields::save(conn, CONTACT, row.id, &cells)?;
    let custom_fields = custom_fields::values_of(conn, CONTACT, row.id)?;
    Ok(ContactView {
        row,
        custom_fields,
        masked,
    })
}

/// Deletes (soft) a contact of a customer the caller may change.
pub fn remove(conn: &mut DbConn, by: &Principal, id: i64, now: DateTime<Utc>) -> Result<()> {
    in_scope(conn, by, id, true, now)?;
    Ok(super::soft_delete(conn, id, now)?)
}
