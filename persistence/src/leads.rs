//! Leads, their assignment rules, round-robin cursors, web forms, form
//! submissions and the activities that mark first contact.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::leads::{Candidate, Roster, Rule, Target};
use domain::scope::DataScope;

use crate::db::MultiBackend;
use crate::schema::{
    activities, assignment_cursors, contacts, customers, form_submissions, lead_forms, lead_rules, leads, users,
};
use crate::{DbConn, RepoError, naive};

/// Statuses in which a lead still needs work.
pub const OPEN: [&str; 3] = ["new", "contacted", "qualified"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub company_key: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    pub raw_payload: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub disqualify_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub assigned_at: Option<NaiveDateTime>,
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub duplicate_of_lead_id: Option<i64>,
    pub duplicate_of_customer_id: Option<i64>,
    pub converted_customer_id: Option<i64>,
    pub converted_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = leads)]
pub struct NewLeadRow {
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub company_key: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    pub raw_payload: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
    pub assigned_at: Option<NaiveDateTime>,
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub duplicate_of_lead_id: Option<i64>,
    pub duplicate_of_customer_id: Option<i64>,
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = leads)]
pub struct LeadChangeset {
    pub person_name: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub status: Option<String>,
    pub disqualify_reason: Option<Option<String>>,
    pub owner_id: Option<Option<i64>>,
    pub assigned_at: Option<Option<NaiveDateTime>>,
    pub assigned_by_rule: Option<Option<i64>>,
    pub first_contact_due_at: Option<Option<NaiveDateTime>>,
    pub first_contacted_at: Option<Option<NaiveDateTime>>,
    pub converted_customer_id: Option<Option<i64>>,
    pub converted_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    /// Only leads in the unassigned queue.
    pub unassigned: bool,
    /// Only open leads whose first contact is overdue at `now`.
    pub overdue: bool,
    pub source: Option<String>,
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

type Boxed<'a> = leads::BoxedQuery<'a, MultiBackend>;

/// Leads a scope may see: admin all; manager the queue and leads owned in the
/// subtree; rep their own.
fn scoped<'a>(q: Boxed<'a>, scope: &DataScope) -> Boxed<'a> {
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            leads::owner_id
                .is_null()
                .or(leads::owner_id.eq(*user_id))
                .or(leads::owner_id.eq_any(
                    users::table
                        .filter(users::department_id.eq_any(departments.clone()))
                        .select(users::id.nullable()),
                )),
        ),
        DataScope::Own { user_id } => q.filter(leads::owner_id.eq(*user_id)),
    }
}

/// Stores a lead; returns its id.
pub fn insert(conn: &mut DbConn, new: &NewLeadRow) -> Result<i64, RepoError> {
    Ok(diesel::insert_into(leads::table)
        .values(new)
        .returning(leads::id)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<LeadRow, RepoError> {
    Ok(leads::table.find(id).select(LeadRow::as_select()).first(conn)?)
}

pub fn find_visible(conn: &mut DbConn, id: i64, scope: &DataScope) -> Result<Option<LeadRow>, RepoError> {
    Ok(scoped(leads::table.filter(leads::id.eq(id)).into_boxed(), scope)
        .select(LeadRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &LeadChangeset,
    now: DateTime<Utc>,
) -> Result<LeadRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let target = leads::table
        .filter(leads::id.eq(id))
        .filter(leads::version.eq(expected_version.unwrap_or(0)).or(any_version));
    let n = diesel::update(target)
        .set((
            changes,
            leads::version.eq(leads::version + 1),
            leads::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    find(conn, id)
}

pub fn list(
    conn: &mut DbConn,
    scope: &DataScope,
    filter: &LeadFilter,
    descending: bool,
    after_id: Option<i64>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Vec<LeadRow>, RepoError> {
    let mut q = scoped(leads::table.into_boxed(), scope);
    if let Some(s) = &filter.status {
        q = q.filter(leads::status.eq(s.clone()));
    }
    if let Some(o) = filter.owner_id {
        q = q.filter(leads::owner_id.eq(o));
    }
    if filter.unassigned {
        q = q.filter(leads::owner_id.is_null());
    }
    if filter.overdue {
        q = q
            .filter(leads::status.eq_any(OPEN))
            .filter(leads::first_contacted_at.is_null())
            .filter(leads::first_contact_due_at.lt(naive(now)));
    }
    if let Some(s) = &filter.source {
        q = q.filter(leads::source.eq(s.clone()));
    }
    if let Some(text) = &filter.q {
        let pattern = crate::like_pattern(text);
        q = q.filter(
            crate::lower(leads::company.assume_not_null())
                .like(pattern.clone())
                .escape('\\')
                .or(crate::lower(leads::person_name.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\'))
                .or(leads::email_key.like(pattern).escape('\\')),
        );
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(leads::updated_at.ge(naive(since)));
    }
    q = match (after_id, descending) {
        (Some(id), false) => q.filter(leads::id.gt(id)),
        (Some(id), true) => q.filter(leads::id.lt(id)),
        (None, _) => q,
    };
    q = if descending {
        q.order(leads::id.desc())
    } else {
        q.order(leads::id.asc())
    };
    Ok(q.select(LeadRow::as_select()).limit(i64::from(limit)).load(conn)?)
}

/// What an incoming lead duplicates, and who works it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
    Customer { id: i64, owner_id: Option<i64> },
    Lead { id: i64, owner_id: Option<i64> },
}

impl Duplicate {
    pub fn owner_id(self) -> Option<i64> {
        match self {
            Duplicate::Customer { owner_id, .. } | Duplicate::Lead { owner_id, .. } => owner_id,
        }
    }
}

/// Keys of a batch of incoming leads, looked up in a few set queries instead
/// of several queries a row: live customers (by name key, phone and e-mail,
/// their contacts' too) and open leads (by company key, phone and e-mail).
/// Leads of the batch join the index as they are stored, so a batch finds its
/// own repeats.
#[derive(Debug, Default)]
pub struct DedupIndex {
    customer_name: HashMap<String, (i64, Option<i64>)>,
    customer_phone: HashMap<String, (i64, Option<i64>)>,
    customer_email: HashMap<String, (i64, Option<i64>)>,
    lead_company: HashMap<String, (i64, Option<i64>)>,
    lead_phone: HashMap<String, (i64, Option<i64>)>,
    lead_email: HashMap<String, (i64, Option<i64>)>,
}

/// Keys per `IN (...)` list, well under SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 900;

fn keep_first(map: &mut HashMap<String, (i64, Option<i64>)>, rows: Vec<(Option<String>, i64, Option<i64>)>) {
    for (key, id, owner) in rows {
        if let Some(k) = key {
            let e = map.entry(k).or_insert((id, owner));
            if id < e.0 {
                *e = (id, owner);
            }
        }
    }
}

impl DedupIndex {
    pub fn load(
        conn: &mut DbConn,
        company_keys: &[String],
        phone_keys: &[String],
        email_keys: &[String],
    ) -> Result<DedupIndex, RepoError> {
        let mut index = DedupIndex::default();
        for chunk in company_keys.chunks(CHUNK) {
            let rows: Vec<(String, i64, Option<i64>)> = customers::table
                .filter(customers::deleted_at.is_null())
                .filter(customers::name_key.eq_any(chunk))
                .select((customers::name_key, customers::id, customers::owner_id))
                .load(conn)?;
            keep_first(
                &mut index.customer_name,
                rows.into_iter().map(|(k, i, o)| (Some(k), i, o)).collect(),
            );
            let rows = leads::table
                .filter(leads::status.eq_any(OPEN))
                .filter(leads::company_key.eq_any(chunk))
                .select((leads::company_key, leads::id, leads::owner_id))
                .load(conn)?;
            keep_first(&mut index.lead_company, rows);
        }
        // customers and their contacts, then open leads, by one kind of key
        macro_rules! by_contact_key {
            ($keys:expr, $customer_col:expr, $contact_col:expr, $lead_col:expr, $customer_map:expr, $lead_map:expr) => {
                for chunk in $keys.chunks(CHUNK) {
                    let rows = customers::table
                        .filter(customers::deleted_at.is_null())
                        .filter($customer_col.eq_any(chunk))
                        .select(($customer_col, customers::id, customers::owner_id))
                        .load(conn)?;
                    keep_first(&mut $customer_map, rows);
                    let rows = contacts::table
                        .inner_join(customers::table)
                        .filter(customers::deleted_at.is_null())
                        .filter(contacts::deleted_at.is_null())
                        .filter($contact_col.eq_any(chunk))
                        .select(($contact_col, customers::id, customers::owner_id))
                        .load(conn)?;
                    keep_first(&mut $customer_map, rows);
                    let rows = leads::table
                        .filter(leads::status.eq_any(OPEN))
                        .filter($lead_col.eq_any(chunk))
                        .select(($lead_col, leads::id, leads::owner_id))
                        .load(conn)?;
                    keep_first(&mut $lead_map, rows);
                }
            };
        }
        by_contact_key!(
            phone_keys,
            customers::phone_key,
            contacts::phone_key,
            leads::phone_key,
            index.customer_phone,
            index.lead_phone
        );
        by_contact_key!(
            email_keys,
            customers::email_key,
            contacts::email_key,
            leads::email_key,
            index.customer_email,
            index.lead_email
        );
        Ok(index)
    }

    /// A live customer first (name, phone, e-mail), else an open lead.
    pub fn find(
        &self,
        company_key: Option<&str>,
        phone_key: Option<&str>,
        email_key: Option<&str>,
    ) -> Option<Duplicate> {
        let get = |map: &HashMap<String, (i64, Option<i64>)>, key: Option<&str>| key.and_then(|k| map.get(k)).copied();
        get(&self.customer_name, company_key)
            .or_else(|| get(&self.customer_phone, phone_key))
            .or_else(|| get(&self.customer_email, email_key))
            .map(|(id, owner_id)| Duplicate::Customer { id, owner_id })
            .or_else(|| {
                get(&self.lead_company, company_key)
                    .or_else(|| get(&self.lead_phone, phone_key))
                    .or_else(|| get(&self.lead_email, email_key))
                    .map(|(id, owner_id)| Duplicate::Lead { id, owner_id })
            })
    }

    /// A lead just stored: later rows of the batch will find it.
    pub fn add_lead(
        &mut self,
        id: i64,
        owner: Option<i64>,
        company_key: Option<&str>,
        phone_key: Option<&str>,
        email_key: Option<&str>,
    ) {
        for (map, key) in [
            (&mut self.lead_company, company_key),
            (&mut self.lead_phone, phone_key),
            (&mut self.lead_email, email_key),
        ] {
            if let Some(k) = key {
                map.entry(k.to_owned()).or_insert((id, owner));
            }
        }
    }

    /// Everyone who owns a record in the index.
    pub fn owner_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = [
            &self.customer_name,
            &self.customer_phone,
            &self.customer_email,
            &self.lead_company,
            &self.lead_phone,
            &self.lead_email,
        ]
        .iter()
        .flat_map(|m| m.values().filter_map(|(_, o)| *o))
        .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_rules)]
pub struct RuleRow {
    pub id: i64,
    pub position: i32,
    pub name: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub target_user_id: Option<i64>,
    pub target_department_id: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RuleRow {
    pub fn rule(&self) -> Option<Rule> {
        let target = match (self.target_user_id, self.target_department_id) {
            (Some(u), _) => Target::User(u),
            (None, Some(d)) => Target::Department(d),
            (None, None) => return None,
        };
        Some(Rule {
            id: self.id,
            region: self.region.clone(),
            industry: self.industry.clone(),
            source: self.source.clone(),
            target,
        })
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lead_rules)]
pub struct NewRuleRow {
    pub position: i32,
    pub name: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub target_user_id: Option<i64>,
    pub target_department_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn rules(conn: &mut DbConn, only_active: bool) -> Result<Vec<RuleRow>, RepoError> {
    let mut q = lead_rules::table
        .select(RuleRow::as_select())
        .order((lead_rules::position.asc(), lead_rules::id.asc()))
        .into_boxed();
    if only_active {
        q = q.filter(lead_rules::active.eq(true));
    }
    Ok(q.load(conn)?)
}

pub fn insert_rule(conn: &mut DbConn, new: &NewRuleRow) -> Result<RuleRow, RepoError> {
    let id: i64 = diesel::insert_into(lead_rules::table)
        .values(new)
        .returning(lead_rules::id)
        .get_result(conn)?;
    Ok(lead_rules::table.find(id).select(RuleRow::as_select()).first(conn)?)
}

pub fn delete_rule(conn: &mut DbConn, id: i64) -> Result<bool, RepoError> {
    Ok(diesel::delete(lead_rules::table.find(id)).execute(conn)? == 1)
}

/// Candidates for the given rules: the users they name, the active reps of the
/// departments they name, open-lead counts and the round-robin cursors.
pub fn roster(conn: &mut DbConn, rules: &[Rule]) -> Result<Roster, RepoError> {
    let mut user_ids: Vec<i64> = Vec::new();
    let mut departments: Vec<i64> = Vec::new();
    for r in rules {
        match r.target {
            Target::User(u) => user_ids.push(u),
            Target::Department(d) => departments.push(d),
        }
    }
    let dept_reps: Vec<(i64, Option<i64>)> = users::table
        .filter(users::department_id.eq_any(departments.clone()))
        .filter(users::role.eq("rep"))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select((users::id, users::department_id))
        .load(conn)?;
    let mut department_reps: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, d) in &dept_reps {
        if let Some(d) = d {
            department_reps.entry(*d).or_default().push(*id);
        }
        user_ids.push(*id);
    }
    user_ids.sort_unstable();
    user_ids.dedup();
    let people: Vec<(i64, bool, Option<i32>)> = users::table
        .filter(users::id.eq_any(user_ids.clone()))
        .select((users::id, users::active, users::max_open_leads))
        .load(conn)?;
    let counts: Vec<(Option<i64>, i64)> = leads::table
        .filter(leads::owner_id.eq_any(user_ids.iter().map(|u| Some(*u)).collect::<Vec<_>>()))
        .filter(leads::status.eq_any(OPEN))
        .group_by(leads::owner_id)
        .select((leads::owner_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<i64, u32> = counts
        .into_iter()
        .filter_map(|(o, n)| o.map(|o| (o, u32::try_from(n).unwrap_or(u32::MAX))))
        .collect();
    let users = people
        .into_iter()
        .map(|(id, active, cap)| {
            let candidate = Candidate {
                user_id: id,
                active,
                open_leads: counts.get(&id).copied().unwrap_or(0),
                capacity: cap.and_then(|c| u32::try_from(c).ok()),
            };
            (id, candidate)
        })
        .collect();
    let cursors: Vec<(i64, i64)> = assignment_cursors::table
        .filter(assignment_cursors::department_id.eq_any(departments))
        .select((assignment_cursors::department_id, assignment_cursors::last_user_id))
        .load(conn)?;
    Ok(Roster {
        users,
        department_reps,
        cursors: cursors.into_iter().collect(),
    })
}

/// Users as lead candidates (for routing duplicates to the existing owner), in one query.
pub fn candidates(conn: &mut DbConn, user_ids: &[i64]) -> Result<HashMap<i64, Candidate>, RepoError> {
    let rows: Vec<(i64, bool, Option<i32>)> = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::active, users::max_open_leads))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, active, cap)| {
            let capacity = cap.and_then(|c| u32::try_from(c).ok());
            (
                user_id,
                Candidate {
                    user_id,
                    active,
                    open_leads: 0,
                    capacity,
                },
            )
        })
        .collect())
}

pub fn set_cursor(conn: &mut DbConn, department_id: i64, user_id: i64) -> Result<(), RepoError> {
    let n = diesel::update(assignment_cursors::table.find(department_id))
        .set(assignment_cursors::last_user_id.eq(user_id))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(assignment_cursors::table)
            .values((
                assignment_cursors::department_id.eq(department_id),
                assignment_cursors::last_user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_forms)]
pub struct FormRow {
    pub id: i64,
    pub public_key: String,
    pub name: String,
    pub field_mapping: String,
    pub default_source: Option<String>,
    pub redirect_url: Option<String>,
    pub honeypot_field: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lead_forms)]
pub struct NewFormRow {
    pub public_key: String,
    pub name: String,
    pub field_mapping: String,
    pub default_source: Option<String>,
    pub redirect_url: Option<String>,
    pub honeypot_field: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_form(conn: &mut DbConn, new: &NewFormRow) -> Result<FormRow, RepoError> {
    let id: i64 = diesel::insert_into(lead_forms::table)
        .values(new)
        .returning(lead_forms::id)
        .get_result(conn)?;
    Ok(lead_forms::table.find(id).select(FormRow::as_select()).first(conn)?)
}

pub fn forms(conn: &mut DbConn) -> Result<Vec<FormRow>, RepoError> {
    Ok(lead_forms::table
        .select(FormRow::as_select())
        .order(lead_forms::id.asc())
        .load(conn)?)
}

pub fn form_by_key(conn: &mut DbConn, key: &str) -> Result<Option<FormRow>, RepoError> {
    Ok(lead_forms::table
        .filter(lead_forms::public_key.eq(key))
        .filter(lead_forms::active.eq(true))
        .select(FormRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn record_submission(
    conn: &mut DbConn,
    form_id: i64,
    payload: &str,
    client_address: Option<&str>,
    outcome: &str,
    lead_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(form_submissions::table)
        .values((
            form_submissions::form_id.eq(form_id),
            form_submissions::payload.eq(payload),
            form_submissions::client_address.eq(client_address),
            form_submissions::outcome.eq(outcome),
            form_submissions::lead_id.eq(lead_id),
            form_submissions::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Submissions from one address since a time (throttling).
pub fn submissions_from(conn: &mut DbConn, address: &str, since: DateTime<Utc>) -> Result<i64, RepoError> {
    Ok(form_submissions::table
        .filter(form_submissions::client_address.eq(address))
        .filter(form_submissions::created_at.ge(naive(since)))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activities)]
pub struct ActivityRow {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub opportunity_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = activities)]
pub struct NewActivityRow {
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub opportunity_id: Option<i64>,
}

pub fn insert_activity(conn: &mut DbConn, new: &NewActivityRow) -> Result<ActivityRow, RepoError> {
    let id: i64 = diesel::insert_into(activities::table)
        .values(new)
        .returning(activities::id)
        .get_result(conn)?;
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .first(conn)?)
}

pub fn activities_of_opportunity(conn: &mut DbConn, opportunity_id: i64) -> Result<Vec<ActivityRow>, RepoError> {
    Ok(activities::table
        .filter(activities::opportunity_id.eq(opportunity_id))
        .order((activities::occurred_at.asc(), activities::id.asc()))
        .select(ActivityRow::as_select())
        .load(conn)?)
}

/// Records contact with a customer: `last_contacted_at` moves forward only.
pub fn touch_customer_contact(conn: &mut DbConn, customer_id: i64, at: NaiveDateTime) -> Result<(), RepoError> {
    diesel::update(
        customers::table.filter(customers::id.eq(customer_id)).filter(
            customers::last_contacted_at
                .is_null()
                .or(customers::last_contacted_at.lt(at)),
        ),
    )
    .set(customers::last_contacted_at.eq(Some(at)))
    .execute(conn)?;
    Ok(())
}

pub fn activities_of_lead(conn: &mut DbConn, lead_id: i64) -> Result<Vec<ActivityRow>, RepoError> {
    Ok(activities::table
        .filter(activities::lead_id.eq(lead_id))
        .order((activities::occurred_at.asc(), activities::id.asc()))
        .select(ActivityRow::as_select())
        .load(conn)?)
}

/// Moves a converted lead's activities onto its customer too.
pub fn attach_activities(conn: &mut DbConn, lead_id: i64, customer_id: i64) -> Result<(), RepoError> {
    diesel::update(activities::table.filter(activities::lead_id.eq(lead_id)))
        .set(activities::customer_id.eq(customer_id))
        .execute(conn)?;
    let last: Option<NaiveDateTime> = activities::table
        .filter(activities::customer_id.eq(customer_id))
        .filter(activities::kind.ne("note"))
        .select(diesel::dsl::max(activities::occurred_at))
        .first(conn)?;
    if last.is_some() {
        diesel::update(customers::table.find(customer_id))
            .set(customers::last_contacted_at.eq(last))
            .execute(conn)?;
    }
    Ok(())
}

/// An open lead matching a duplicate check, and the field it matched on.
#[derive(Debug, Clone)]
pub struct LeadMatch {
    pub id: i64,
    pub company: Option<String>,
    pub person_name: Option<String>,
    pub owner_id: Option<i64>,
    pub matched_on: &'static str,
}

type LeadMatchRow = (i64, Option<String>, Option<String>, Option<i64>);

/// Open (unconverted) leads sharing a company key, phone or e-mail; at most 20 per field.
pub fn open_leads_matching(
    conn: &mut DbConn,
    company_key: Option<&str>,
    phone_key: Option<&str>,
    email_key: Option<&str>,
) -> Result<Vec<LeadMatch>, RepoError> {
    let mut out = Vec::new();
    for (field, key) in [("name", company_key), ("phone", phone_key), ("email", email_key)] {
        let Some(key) = key else { continue };
        let mut q = leads::table.filter(leads::status.eq_any(OPEN)).into_boxed();
        q = match field {
            "name" => q.filter(leads::company_key.eq(key.to_owned())),
            "phone" => q.filter(leads::phone_key.eq(key.to_owned())),
            _ => q.filter(leads::email_key.eq(key.to_owned())),
        };
        let rows: Vec<LeadMatchRow> = q
            .order(leads::id.asc())
            .select((leads::id, leads::company, leads::person_name, leads::owner_id))
            .limit(20)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, company, person_name, owner_id)| LeadMatch {
            id,
            company,
            person_name,
            owner_id,
            matched_on: field,
        }));
    }
    Ok(out)
}
