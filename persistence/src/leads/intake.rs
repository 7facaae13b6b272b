//! Taking leads in and routing them: every lead that enters (a rep's own, a
//! form submission, an import row) goes through [`intake`], and the overdue
//! sweep through [`reassign_overdue`]. The routing rules are domain rules;
//! this module loads their facts once per batch and writes their decisions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::leads::{
    Assignment, LeadFacts, Roster, Rule, Target, assign, assign_duplicate, first_contact_due, reassign,
};
use domain::scope::DataScope;
use serde_json::json;

use super::{DedupIndex, Duplicate, LeadChangeset, LeadFilter, LeadRow, NewLeadRow};
use crate::events::about_lead;
use crate::scope::Reach;
use crate::{DbConn, RepoError, audit};
use domain::events::EventKind;

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
    pub fn load(conn: &mut DbConn, sla: chrono::Duration) -> Result<Router, RepoError> {
        let rules: Vec<Rule> = super::rules(conn, true)?.iter().filter_map(|r| r.rule()).collect();
        let roster = super::roster(conn, &rules)?;
        Ok(Router { rules, roster, sla })
    }

    /// Counts a lead given to `user_id` by `rule_id`; returns the department
    /// whose round-robin cursor moved, if any.
    fn note(&mut self, user_id: i64, rule_id: Option<i64>) -> Option<i64> {
        if let Some(c) = self.roster.users.get_mut(&user_id) {
            c.open_leads += 1;
        }
        let target = rule_id
            .and_then(|id| self.rules.iter().find(|r| r.id == id))
            .map(|r| r.target);
        match target {
            Some(Target::Department(d)) => {
                self.roster.cursors.insert(d, user_id);
                Some(d)
            }
            _ => None,
        }
    }
}

/// One lead arriving (its row checked and keyed), with what its sender sent.
pub struct Incoming {
    pub row: NewLeadRow,
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
/// lookups are a few set queries for the whole batch; the batch reserves its
/// ids first, so it is stored in a few statements at the end.
pub fn intake(
    conn: &mut DbConn,
    router: &mut Router,
    incoming: Vec<Incoming>,
    origin: Origin,
    default_owner: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<Intaken>, RepoError> {
    let keys = |f: fn(&NewLeadRow) -> &Option<String>| -> Vec<String> {
        let mut v: Vec<String> = incoming.iter().filter_map(|i| f(&i.row).clone()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (companies, phones, emails) = (keys(|r| &r.company_key), keys(|r| &r.phone_key), keys(|r| &r.email_key));
    let mut index = DedupIndex::load(conn, &companies, &phones, &emails)?;
    let mut owners = super::candidates(conn, &index.owner_ids())?;
    let mut cursors: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::with_capacity(incoming.len());
    let reserved = match incoming.len() {
        0 => Vec::new(),
        n => super::reserve_ids(conn, n)?,
    };
    let mut pending: Vec<NewLeadRow> = Vec::with_capacity(incoming.len());
    let mut outbox = crate::events::Outbox::load(conn)?;
    let mut events = Vec::new();
    let (keep_created, keep_assigned) = (
        outbox.keeps(EventKind::LeadCreated),
        outbox.keeps(EventKind::LeadAssigned),
    );
    for (i, item) in incoming.into_iter().enumerate() {
        let mut row = item.row;
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
            if let Some(d) = router.note(user_id, rule_id) {
                cursors.insert(d, user_id);
            }
            // a later repeat of this lead in the batch goes to the same person
            // (who is active: the rules and the signed-in caller only give
            // leads to active users)
            owners.entry(user_id).or_insert(domain::leads::Candidate {
                user_id,
                active: true,
                open_leads: 0,
                capacity: None,
            });
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
        let id = *reserved
            .get(i)
            .ok_or_else(|| RepoError::Corrupt("fewer lead ids reserved than leads".into()))?;
        row.id = id;
        index.add_lead(
            id,
            row.owner_id,
            row.company_key.as_deref(),
            row.phone_key.as_deref(),
            row.email_key.as_deref(),
        );
        let subject = row.company.as_deref().or(row.person_name.as_deref());
        if keep_created {
            events.push(about_lead(
                EventKind::LeadCreated,
                id,
                subject,
                row.owner_id,
                origin.created_by,
            ));
        }
        if keep_assigned && row.owner_id.is_some() {
            events.push(about_lead(
                EventKind::LeadAssigned,
                id,
                subject,
                row.owner_id,
                origin.created_by,
            ));
        }
        pending.push(row);
        out.push(Intaken { id, duplicate });
    }
    super::insert_reserved(conn, &pending)?;
    outbox.emit_many(conn, events, now)?;
    for (department, user) in cursors {
        super::set_cursor(conn, department, user)?;
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
) -> Result<(LeadRow, Option<Duplicate>), RepoError> {
    let done = intake(conn, router, vec![incoming], origin, default_owner, now)?;
    let first = done.first().copied().ok_or(RepoError::NotFound)?;
    Ok((super::find(conn, first.id)?, first.duplicate))
}

/// What the overdue sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reassigned {
    /// Overdue leads given to another rep.
    pub reassigned: Vec<i64>,
    /// Overdue leads nobody else could take (left with their owner).
    pub kept: Vec<i64>,
}

/// Gives every overdue, never-contacted lead in `scope` to another rep by the
/// rules, with a fresh deadline; reps who let a lead lapse do not get it back.
/// Each move is audited (`actor` `None`: the hourly sweep).
pub fn reassign_overdue(
    conn: &mut DbConn,
    by: &impl Reach,
    actor: Option<i64>,
    sla: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Reassigned, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let filter = LeadFilter {
        overdue: true,
        ..LeadFilter::default()
    };
    let overdue = super::list(conn, scope, &filter, false, None, 1000, now)?;
    let mut router = Router::load(conn, sla)?;
    let mut result = Reassigned::default();
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
                super::update(conn, lead.id, None, &changes, now)?;
                if let Some(d) = router.note(user_id, rule_id) {
                    super::set_cursor(conn, d, user_id)?;
                }
                let detail = json!({"owner_id": [owner, user_id], "reason": "first contact overdue"}).to_string();
                audit::record(conn, "lead", lead.id, "reassigned", actor, &detail, now)?;
                let subject = lead.company.as_deref().or(lead.person_name.as_deref());
                crate::events::emit(
                    conn,
                    about_lead(EventKind::LeadAssigned, lead.id, subject, Some(user_id), actor),
                    now,
                )?;
                result.reassigned.push(lead.id);
            }
            Assignment::Queue => result.kept.push(lead.id),
        }
    }
    Ok(result)
}
