//! Creating and importing customers: each a whole business operation in the
//! caller's transaction (checks, the write, tags, audit, look-alikes), with a
//! typed error. A unique-index race is answered inside the same transaction:
//! the insert or update runs in a savepoint, and when the index refuses it the
//! winner is read and named.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::customer::Grade;
use domain::events::EventKind;
use domain::problem::{ErrorCode, Refused};
use domain::scope::DataScope;
use domain::vocabulary::FieldCode;
use serde_json::json;

use super::name_index;
use super::{Candidate, CustomerRow, NewCustomerRow};
pub use crate::dictionaries::UnknownCode;
pub use crate::scope::Actor;
use crate::{Constraint, DbConn, RepoError, audit, dictionaries, naive, users};

/// A customer to create: values already cleaned and keyed (domain rules).
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The name with its duplicate keys.
    pub name: domain::dedup::CompanyName,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub size_band: Option<String>,
    pub source: Option<String>,
    pub grade: Grade,
    /// `None`: the actor owns it.
    pub owner_id: Option<i64>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
}

impl NewCustomer {
    /// A customer with only a name; the other values to be filled in.
    pub fn named(name: domain::dedup::CompanyName) -> NewCustomer {
        NewCustomer {
            name,
            credit_code: None,
            industry: None,
            region: None,
            size_band: None,
            source: None,
            grade: Grade::default(),
            owner_id: None,
            website: None,
            phone: None,
            phone_key: None,
            email: None,
            email_key: None,
            address: None,
            notes: None,
            next_follow_up_at: None,
            tags: Vec::new(),
        }
    }
}

/// A customer as stored, with what an answer shows beside it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub row: CustomerRow,
    pub owner_name: Option<String>,
    pub tags: Vec<String>,
}

/// A look-alike of a name, scored by the domain rule.
#[derive(Debug, Clone)]
pub struct LookAlike {
    pub candidate: Candidate,
    pub score: f64,
    pub owner_name: Option<String>,
}

/// The live customer a write collided with.
#[derive(Debug, Clone)]
pub struct Existing {
    pub row: CustomerRow,
    pub owner_name: Option<String>,
    /// The credit code collided, not the name.
    pub by_credit_code: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CustomerWriteError {
    #[error("this company is already a customer (#{})", .0.row.id)]
    Exists(Box<Existing>),
    #[error("unknown dictionary values")]
    UnknownCodes(Vec<UnknownCode>),
    #[error("there is no active user {0}")]
    NoSuchOwner(i64),
    #[error("you may not assign records to user {0}")]
    OwnerNotAllowed(i64),
    #[error("no such customer in your scope")]
    NotFound,
    /// The customer to merge in is not a live customer.
    #[error("there is no live customer {0}")]
    NoSuchDuplicate(i64),
    #[error("you may read this customer but not change it")]
    ReadOnly,
    /// A customer to release that the leaving user does not own.
    #[error("customer {0} is not one of this user's live customers")]
    NotOwned(i64),
    #[error("the customer changed since you read it")]
    Stale,
    /// A user to act on (a leaver) who is not in the caller's reach.
    #[error("no such user in your reach")]
    NoSuchUser(i64),
    /// A hand-over to the user it is taken from.
    #[error("choose another user")]
    SameUser,
    /// Custom field values the definitions refuse, each naming its field.
    #[error("custom field values refused")]
    CustomFields(Vec<domain::custom_fields::Refusal>),
    #[error(transparent)]
    Repo(RepoError),
}

impl Existing {
    /// The 409 that names the customer a write collided with, and who holds it.
    pub fn refused(&self) -> Refused {
        let holder = match &self.owner_name {
            Some(n) => format!("owned by {n}"),
            None => "in the pool".to_owned(),
        };
        let what = if self.by_credit_code { "credit code" } else { "company" };
        let row = &self.row;
        Refused::conflict(
            ErrorCode::CustomerExists,
            format!(
                "this {what} is already a customer: {} (#{}), {holder}",
                row.name, row.id
            ),
        )
        .with_context(serde_json::json!({
            "existing": {
                "id": row.id,
                "name": row.name,
                "in_pool": row.owner_id.is_none(),
                "owner": row.owner_id.map(|id| serde_json::json!({"id": id, "name": self.owner_name})),
            }
        }))
    }
}

impl crate::Explain for CustomerWriteError {
    fn explain(self) -> std::result::Result<Refused, RepoError> {
        use CustomerWriteError as E;
        Ok(match self {
            E::Exists(x) => x.refused(),
            E::UnknownCodes(list) => crate::dictionaries::refused(list),
            E::NoSuchOwner(id) => {
                Refused::field("owner_id", FieldCode::NotFound, format!("there is no active user {id}"))
            }
            E::OwnerNotAllowed(id) => Refused::forbidden(format!("you may not assign records to user {id}")),
            E::NotFound => Refused::not_found("customer"),
            E::NoSuchDuplicate(id) => Refused::field(
                "from_customer_id",
                FieldCode::NotFound,
                format!("there is no live customer {id}"),
            ),
            E::ReadOnly => Refused::forbidden("you may read this customer but not change it"),
            E::NotOwned(id) => Refused::field(
                "release_customer_ids",
                FieldCode::NotOwned,
                format!("customer {id} is not one of this user's live customers"),
            ),
            E::Stale => return Err(RepoError::Stale),
            E::NoSuchUser(_) => Refused::not_found("user"),
            E::SameUser => Refused::field("to_user_id", FieldCode::Relation, "choose another user"),
            E::CustomFields(refusals) => Refused::fields(refusals),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<RepoError> for CustomerWriteError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Stale => CustomerWriteError::Stale,
            other => CustomerWriteError::Repo(other),
        }
    }
}

impl From<diesel::result::Error> for CustomerWriteError {
    fn from(e: diesel::result::Error) -> Self {
        RepoError::from(e).into()
    }
}

pub(super) type Result<T> = std::result::Result<T, CustomerWriteError>;

/// Picklist fields and the dictionary each takes its codes from.
pub(super) fn check_codes(conn: &mut DbConn, fields: [(&'static str, Option<&str>); 4]) -> Result<()> {
    let list = dictionaries::unknown(conn, &fields)?;
    if list.is_empty() {
        Ok(())
    } else {
        Err(CustomerWriteError::UnknownCodes(list))
    }
}

/// The live customer (other than `except`) holding this key or credit code.
pub(crate) fn existing(
    conn: &mut DbConn,
    key: &str,
    code: Option<&str>,
    except: Option<i64>,
) -> Result<Option<Existing>> {
    Ok(
        super::find_live_conflict(conn, key, code, except)?.map(|(row, owner_name)| Existing {
            by_credit_code: row.name_key != key,
            row,
            owner_name,
        }),
    )
}

/// Runs `write` in a savepoint; when a unique index refuses it (a concurrent
/// write of the same company won), names the winner.
pub(super) fn guarded<T>(
    conn: &mut DbConn,
    key: &str,
    code: Option<&str>,
    except: Option<i64>,
    write: impl FnOnce(&mut DbConn) -> std::result::Result<T, RepoError>,
) -> Result<T> {
    match conn.transaction(|c| write(c)) {
        Err(RepoError::Conflict { constraint })
            if matches!(constraint, Constraint::CustomerName | Constraint::CustomerCreditCode) =>
        {
            let winner = existing(conn, key, code, except)?;
            Err(
                winner.map_or(CustomerWriteError::Repo(RepoError::Conflict { constraint }), |w| {
                    CustomerWriteError::Exists(Box::new(w))
                }),
            )
        }
        other => Ok(other?),
    }
}

pub(super) fn stored(conn: &mut DbConn, row: CustomerRow) -> Result<Stored> {
    Ok(load_stored(conn, row)?)
}

/// The name of a customer's owner (one query), if it has one.
pub(super) fn owner_name(conn: &mut DbConn, owner: Option<i64>) -> std::result::Result<Option<String>, RepoError> {
    Ok(match owner {
        Some(o) => super::owner_names(conn, &[o])?.remove(&o),
        None => None,
    })
}

/// A stored customer with its owner's name and tags (two queries).
pub fn load_stored(conn: &mut DbConn, row: CustomerRow) -> std::result::Result<Stored, RepoError> {
    let owner_name = owner_name(conn, row.owner_id)?;
    let tags = super::tags_of(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
    Ok(Stored { row, owner_name, tags })
}

/// May customers be given to `target`: an active user the scope may assign
/// work to (`domain::scope::may_assign`)?
pub(super) fn check_assignable(conn: &mut DbConn, scope: &DataScope, target: i64) -> Result<()> {
    match users::assignable(conn, scope, target)? {
        users::Assignable::Yes => Ok(()),
        users::Assignable::NotAllowed => Err(CustomerWriteError::OwnerNotAllowed(target)),
        users::Assignable::NoSuchUser => Err(CustomerWriteError::NoSuchOwner(target)),
    }
}

/// Look-alikes of a name key among live customers other than `exclude`.
pub fn look_alikes(
    conn: &mut DbConn,
    key: &str,
    exclude: &[i64],
    common: &name_index::CommonGrams,
) -> std::result::Result<Vec<LookAlike>, RepoError> {
    let candidates = name_index::similar_candidates(conn, key, common)?;
    let ranked = domain::similar::rank_similar(key, candidates.iter().map(|c| (c.id, c.name_key.as_str())), exclude);
    let owner_ids: Vec<i64> = candidates.iter().filter_map(|c| c.owner_id).collect();
    let owners = super::owner_names(conn, &owner_ids)?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score)| {
            let candidate = candidates.iter().find(|c| c.id == id)?.clone();
            let owner_name = candidate.owner_id.and_then(|o| owners.get(&o).cloned());
            Some(LookAlike {
                candidate,
                score,
                owner_name,
            })
        })
        .collect())
}

/// What became of one row of an import.
#[derive(Debug)]
pub enum Imported {
    Created(i64),
    /// An existing customer, or one created by an earlier row of the same import.
    Duplicate(Box<Existing>),
    /// The row's values were refused (unknown picklist value, owner not allowed).
    Refused(CustomerWriteError),
}

/// Creates many customers in the caller's transaction, each as [`create`]
/// does (dedup on the normalised name and credit code, audit, event), and
/// answers each row; a duplicate or refused row does not stop the others.
/// Only a database failure fails the whole import.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    rows: Vec<NewCustomer>,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<Imported>, RepoError> {
    let mut outbox = crate::events::Outbox::load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for new in rows {
        out.push(match insert_new(conn, actor, &mut outbox, new, now) {
            Ok(row) => Imported::Created(row.id),
            Err(CustomerWriteError::Exists(e)) => Imported::Duplicate(e),
            Err(CustomerWriteError::Repo(e)) => return Err(e),
            Err(other) => Imported::Refused(other),
        });
    }
    Ok(out)
}

/// The checks, insert, tags, audit and event of one new customer.
pub(super) fn insert_new(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    outbox: &mut crate::events::Outbox,
    new: NewCustomer,
    now: DateTime<Utc>,
) -> Result<CustomerRow> {
    let owner = new.owner_id.unwrap_or(actor.user_id);
    if owner != actor.user_id {
        check_assignable(conn, actor.scope, owner)?;
    }
    check_codes(
        conn,
        [
            ("industry", new.industry.as_deref()),
            ("region", new.region.as_deref()),
            ("size_band", new.size_band.as_deref()),
            ("source", new.source.as_deref()),
        ],
    )?;
    insert_checked(conn, actor.user_id, outbox, new, owner, None, now)
}

/// Inserts a customer whose owner and picklist codes are settled: refuses a
/// company that already exists (also when a concurrent write wins), stores
/// the tags, records the audit event (naming the lead it came from, if any)
/// and emits `customer.created`.
pub(crate) fn insert_checked(
    conn: &mut DbConn,
    actor: i64,
    outbox: &mut crate::events::Outbox,
    new: NewCustomer,
    owner: i64,
    from_lead: Option<i64>,
    now: DateTime<Utc>,
) -> Result<CustomerRow> {
    let (key, code) = (new.name.key().to_owned(), new.credit_code.clone());
    if let Some(e) = existing(conn, &key, code.as_deref(), None)? {
        return Err(CustomerWriteError::Exists(Box::new(e)));
    }
    let row = NewCustomerRow {
        name_key_rev: new.name.reversed().to_owned(),
        name: new.name.display().to_owned(),
        name_key: key.clone(),
        credit_code: code.clone(),
        industry: new.industry,
        region: new.region,
        size_band: new.size_band,
        source: new.source,
        grade: new.grade.as_str().to_owned(),
        owner_id: Some(owner),
        owned_since: Some(naive(now)),
        website: new.website,
        phone: new.phone,
        phone_key: new.phone_key,
        email: new.email,
        email_key: new.email_key,
        address: new.address,
        notes: new.notes,
        next_follow_up_at: new.next_follow_up_at.map(naive),
        created_by: Some(actor),
        created_at: naive(now),
        updated_at: naive(now),
    };
    let row = guarded(conn, &key, code.as_deref(), None, |c| super::insert(c, &row))?;
    if !new.tags.is_empty() {
        super::set_tags(conn, row.id, &new.tags)?;
    }
    let mut detail = json!({"name": row.name, "owner_id": owner, "grade": row.grade});
    if let Some(lead) = from_lead {
        detail["lead_id"] = json!(lead);
    }
    audit::record(
        conn,
        "customer",
        row.id,
        "created",
        Some(actor),
        &detail.to_string(),
        now,
    )?;
    let data = json!({"id": row.id, "name": row.name, "owner_id": owner, "grade": row.grade});
    let event = crate::events::about(
        EventKind::CustomerCreated,
        "customer",
        row.id,
        &row.name,
        Some(owner),
        Some(actor),
        data,
    );
    outbox.emit(conn, event, now)?;
    Ok(row)
}
