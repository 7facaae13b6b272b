//! Changing and assigning a lead as one operation each, in the caller's
//! transaction: the caller's scope, the lead's state, then the change, its
//! custom values, audit and event.

use chrono::{DateTime, Duration, Utc};
use domain::custom_fields::{CustomEntity, Refusal};
use domain::events::EventKind;
use serde_json::{Map, Value, json};

use super::{LeadChangeset, LeadRow, OPEN};
use crate::scope::Principal;
use crate::users::{Assignable, assignable};
use crate::{DbConn, RepoError, audit, custom_fields, events, naive};

const LEAD: CustomEntity = CustomEntity::Lead;

/// A lead and its custom values.
#[derive(Debug, Clone)]
pub struct LeadView {
    pub row: LeadRow,
    pub custom_fields: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum LeadError {
    #[error("no such lead in your scope")]
    NotFound,
    /// A status change on a lead that is no longer open (its status now).
    #[error("the lead is already {0}")]
    Closed(String),
    #[error("there is no active user {0}")]
    NoSuchAssignee(i64),
    #[error("you may not assign records to user {0}")]
    AssigneeNotAllowed(i64),
    /// Custom field values the definitions refuse, each naming its field.
    #[error("custom field values refused")]
    CustomFields(Vec<Refusal>),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for LeadError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use LeadError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("lead"),
            E::Closed(status) => Refused::conflict(ErrorCode::LeadClosed, format!("the lead is already {status}")),
            E::NoSuchAssignee(id) => {
                Refused::field("user_id", FieldCode::NotFound, format!("there is no active user {id}"))
            }
            E::AssigneeNotAllowed(id) => Refused::forbidden(format!("you may not assign records to user {id}")),
            E::CustomFields(refusals) => Refused::fields(refusals),
            E::Repo(e) => return Err(e),
        })
    }
}

type Result<T> = std::result::Result<T, LeadError>;

fn in_scope(conn: &mut DbConn, by: &Principal, id: i64) -> Result<LeadRow> {
    let scope = by.scope(conn)?;
    super::find_visible(conn, id, &scope)?.ok_or(LeadError::NotFound)
}

fn with_values(conn: &mut DbConn, row: LeadRow) -> Result<LeadView> {
    let custom_fields = custom_fields::values_of(conn, LEAD, row.id)?;
    Ok(LeadView { row, custom_fields })
}

/// Changes a lead in the caller's scope, if still at `expected_version`
/// (`RepoError::Stale` otherwise). A status change needs an open lead.
pub fn edit(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: &LeadChangeset,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<LeadView> {
    let before = in_scope(conn, by, id)?;
    let cells = custom_fields::check(conn, LEAD, custom, false)?.map_err(LeadError::CustomFields)?;
    if changes.status.is_some() && !OPEN.contains(&before.status.as_str()) {
        return Err(LeadError::Closed(before.status));
    }
    let row = super::update(conn, id, expected_version, changes, now)?;
    custom_fields::save(conn, LEAD, row.id, &cells)?;
    with_values(conn, row)
}

/// Gives a lead in the caller's scope to `to` (or, with `None`, back to the
/// unassigned queue): the first-contact deadline restarts with `sla`, the
/// change is audited and the new owner told (`lead.assigned`).
pub fn assign(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    to: Option<i64>,
    sla: Duration,
    now: DateTime<Utc>,
) -> Result<LeadView> {
    let scope = by.scope(conn)?;
    let before = super::find_visible(conn, id, &scope)?.ok_or(LeadError::NotFound)?;
    if let Some(to) = to {
        match assignable(conn, &scope, to)? {
            Assignable::Yes => {}
            Assignable::NotAllowed => return Err(LeadError::AssigneeNotAllowed(to)),
            Assignable::NoSuchUser => return Err(LeadError::NoSuchAssignee(to)),
        }
    }
    let changes = LeadChangeset {
        owner_id: Some(to),
        assigned_at: Some(to.map(|_| naive(now))),
        assigned_by_rule: Some(None),
        first_contact_due_at: Some(to.map(|_| naive(domain::leads::first_contact_due(now, sla)))),
        ..LeadChangeset::default()
    };
    let row = super::update(conn, id, None, &changes, now)?;
    let detail = json!({"owner_id": [before.owner_id, to]}).to_string();
    audit::record(conn, "lead", id, "assigned", Some(by.user_id), &detail, now)?;
    if to.is_some() {
        let subject = row.company.as_deref().or(row.person_name.as_deref());
        let event = events::about_lead(EventKind::LeadAssigned, row.id, subject, to, Some(by.user_id));
        events::emit(conn, event, now)?;
    }
    with_values(conn, row)
}

/// Who enters a lead by hand or through the API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entering {
    pub origin: super::Origin,
    /// A rep entering a lead keeps it; anyone else's goes through the rules.
    pub keep_for: Option<i64>,
}

/// Enters one lead: `prepare` checks the request against the active region,
/// industry and source codes (`(kind, code)` pairs) and gives the row; the
/// custom values are checked, then the lead is routed, stored (dedup, audit,
/// event) with its values. An `E` carries both `prepare`'s refusals and this
/// operation's.
pub fn enter<E: From<LeadError>>(
    conn: &mut DbConn,
    who: Entering,
    prepare: impl FnOnce(Vec<(String, String)>) -> std::result::Result<super::NewLeadRow, E>,
    custom: Option<&Map<String, Value>>,
    sla: Duration,
    now: DateTime<Utc>,
) -> std::result::Result<LeadView, E> {
    let codes = crate::dictionaries::active_codes(conn, &["region", "industry", "source"]).map_err(LeadError::from)?;
    let row = prepare(codes)?;
    let cells = custom_fields::check(conn, LEAD, custom, true)
        .map_err(LeadError::from)?
        .map_err(LeadError::CustomFields)?;
    let entered = (|| -> Result<LeadView> {
        let mut router = super::Router::load(conn, sla)?;
        let incoming = super::Incoming { row, raw_payload: None };
        let (row, _) = super::intake_one(conn, &mut router, incoming, who.origin, who.keep_for, now)?;
        custom_fields::save(conn, LEAD, row.id, &cells)?;
        with_values(conn, row)
    })();
    Ok(entered?)
}
