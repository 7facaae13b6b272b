//! Logging a follow-up: one operation for customers, leads and deals. It
//! checks the caller may work the record, that the person met is a contact
//! of that customer, the deal one of its deals and the companions active
//! users; writes the activity; and moves the clocks a contact moves (the
//! customer's `last_contacted_at`, which keeps it out of the pool, and a
//! lead's first contact).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::scope::{Access, DataScope};
use domain::vocabulary::{ActivityKind, Level};

use super::{ActivityRow, NewActivityRow, insert_activity, touch_customer_contact};
use crate::customers;
use crate::leads::{self, LeadChangeset};
use crate::schema::{activity_companions, contacts, opportunities, users};
use crate::scope::Actor;
use crate::{DbConn, RepoError, naive, opportunities as deals};

/// What the activity is logged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Customer(i64),
    Lead(i64),
    Deal(i64),
}

/// How a visit went (seed 004's effective visit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visit {
    pub key_person_met: Option<bool>,
    pub purpose: Option<String>,
    pub intent: Option<Level>,
    pub buying_power: Option<Level>,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityKind,
    /// `None`: now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The person met or called (a contact of the customer).
    pub contact_id: Option<i64>,
    /// A deal of the customer it was about (on a customer only).
    pub opportunity_id: Option<i64>,
    pub duration_minutes: Option<i32>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<DateTime<Utc>>,
    /// Colleagues who came along (陪同拜访).
    pub companions: Vec<i64>,
    pub visit: Option<Visit>,
}

/// A logged activity and its companions.
#[derive(Debug, Clone)]
pub struct Logged {
    pub row: ActivityRow,
    pub companions: Vec<i64>,
    /// The task its next action with a time became.
    pub task_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    #[error("no such record in your scope")]
    NotFound,
    #[error("you may read this customer but not log work on it")]
    ReadOnly,
    #[error("an activity cannot have happened in the future")]
    Future,
    #[error("contact {0} is not a contact of this customer")]
    NoSuchContact(i64),
    #[error("deal {0} is not a deal of this customer")]
    NoSuchDeal(i64),
    #[error("there is no active user {0}")]
    NoSuchCompanion(i64),
    #[error("visit details belong to visits only")]
    NotAVisit,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for ActivityError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use ActivityError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("activity"),
            E::ReadOnly => Refused::forbidden("you may read this record but not change its activities"),
            E::Future => Refused::field(
                "occurred_at",
                FieldCode::Future,
                "an activity cannot have happened in the future",
            ),
            E::NoSuchContact(id) => Refused::field(
                "contact_id",
                FieldCode::NotFound,
                format!("contact {id} is not a contact of this customer"),
            ),
            E::NoSuchDeal(id) => Refused::field(
                "opportunity_id",
                FieldCode::NotFound,
                format!("deal {id} is not a deal of this customer"),
            ),
            E::NoSuchCompanion(id) => Refused::field(
                "companions",
                FieldCode::NotFound,
                format!("there is no active user {id}"),
            ),
            E::NotAVisit => Refused::field(
                "visit",
                FieldCode::DependsOn,
                "visit details belong to activities of kind `visit`",
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for ActivityError {
    fn from(e: diesel::result::Error) -> Self {
        ActivityError::Repo(e.into())
    }
}

/// The record's ids as the activity stores them, and the lead to mark contacted.
struct Target {
    customer_id: Option<i64>,
    lead: Option<leads::LeadRow>,
    opportunity_id: Option<i64>,
}

fn target(conn: &mut DbConn, scope: &DataScope, on: On, now: DateTime<Utc>) -> Result<Target, ActivityError> {
    match on {
        On::Customer(id) => match customers::find_visible(conn, id, scope, false, now)? {
            None | Some((_, Access::None)) => Err(ActivityError::NotFound),
            Some((_, Access::Read)) => Err(ActivityError::ReadOnly),
            Some((row, Access::Write)) => Ok(Target {
                customer_id: Some(row.id),
                lead: None,
                opportunity_id: None,
            }),
        },
        On::Lead(id) => {
            let lead = leads::find_visible(conn, id, scope)?.ok_or(ActivityError::NotFound)?;
            Ok(Target {
                customer_id: lead.converted_customer_id,
                lead: Some(lead),
                opportunity_id: None,
            })
        }
        On::Deal(id) => {
            let deal = deals::find_visible(conn, id, scope)?.ok_or(ActivityError::NotFound)?;
            Ok(Target {
                customer_id: Some(deal.customer_id),
                lead: None,
                opportunity_id: Some(deal.id),
            })
        }
    }
}

/// Records a follow-up the caller logs at `now` on a record in their scope.
pub fn log(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    on: On,
    new: NewActivity,
    now: DateTime<Utc>,
) -> Result<Logged, ActivityError> {
    let scope = by.scope(conn)?;
    let actor = Actor {
        user_id: by.user_id,
        scope: &scope,
    };
    let mut t = target(conn, actor.scope, on, now)?;
    let occurred = domain::leads::activity_time(new.occurred_at, now).ok_or(ActivityError::Future)?;
    if new.visit.is_some() && new.kind != ActivityKind::Visit {
        return Err(ActivityError::NotAVisit);
    }
    if let Some(contact) = new.contact_id {
        let of_customer: i64 = contacts::table
            .filter(contacts::id.eq(contact))
            .filter(contacts::deleted_at.is_null())
            .filter(contacts::customer_id.nullable().eq(t.customer_id))
            .count()
            .get_result(conn)?;
        if of_customer == 0 {
            return Err(ActivityError::NoSuchContact(contact));
        }
    }
    match (on, new.opportunity_id) {
        (On::Customer(customer), Some(deal)) => {
            let of_customer: i64 = opportunities::table
                .filter(opportunities::id.eq(deal))
                .filter(opportunities::customer_id.eq(customer))
                .count()
                .get_result(conn)?;
            if of_customer == 0 {
                return Err(ActivityError::NoSuchDeal(deal));
            }
            t.opportunity_id = Some(deal);
        }
        (On::Deal(this), Some(deal)) if deal != this => return Err(ActivityError::NoSuchDeal(deal)),
        (On::Lead(_), Some(deal)) => return Err(ActivityError::NoSuchDeal(deal)),
        _ => {}
    }
    let mut companions: Vec<i64> = new.companions.into_iter().filter(|c| *c != actor.user_id).collect();
    companions.sort_unstable();
    companions.dedup();
    if !companions.is_empty() {
        let active: Vec<i64> = users::table
            .filter(users::id.eq_any(companions.clone()))
            .filter(users::active.eq(true))
            .select(users::id)
            .load(conn)?;
        if let Some(missing) = companions.iter().find(|c| !active.contains(c)) {
            return Err(ActivityError::NoSuchCompanion(*missing));
        }
    }
    let visit = new.visit.unwrap_or_default();
    let row = insert_activity(
        conn,
        &NewActivityRow {
            lead_id: t.lead.as_ref().map(|l| l.id),
            customer_id: t.customer_id,
            opportunity_id: t.opportunity_id,
            kind: new.kind.as_str().to_owned(),
            occurred_at: naive(occurred),
            subject: new.subject,
            content: new.content,
            outcome: new.outcome,
            next_action: new.next_action,
            next_action_at: new.next_action_at.map(naive),
            created_by: Some(actor.user_id),
            created_at: naive(now),
            contact_id: new.contact_id,
            duration_minutes: new.duration_minutes,
            key_person_met: visit.key_person_met,
            visit_purpose: visit.purpose,
            intent: visit.intent.map(|l| l.as_str().to_owned()),
            buying_power: visit.buying_power.map(|l| l.as_str().to_owned()),
            updated_at: Some(naive(now)),
        },
    )?;
    for user in &companions {
        diesel::insert_into(activity_companions::table)
            .values((
                activity_companions::activity_id.eq(row.id),
                activity_companions::user_id.eq(*user),
            ))
            .execute(conn)?;
    }
    if domain::leads::is_contact(new.kind.as_str()) {
        if let Some(customer) = t.customer_id {
            touch_customer_contact(conn, customer, naive(occurred))?;
        }
        if let Some(lead) = t.lead.filter(|l| l.first_contacted_at.is_none()) {
            let changes = LeadChangeset {
                first_contacted_at: Some(Some(naive(occurred))),
                status: (lead.status == "new").then(|| "contacted".to_owned()),
                ..LeadChangeset::default()
            };
            leads::update(conn, lead.id, None, &changes, now)?;
        }
    }
    let task_id = crate::tasks::from_next_action(conn, &row, now)?.map(|t| t.id);
    Ok(Logged {
        row,
        companions,
        task_id,
    })
}
