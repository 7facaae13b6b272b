//! Assignment rules, the roster they route to, and round-robin cursors.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::leads::{Candidate, Roster, Rule, Target};

use crate::schema::{assignment_cursors, lead_rules, leads, users};
use crate::{DbConn, RepoError};

use super::*;

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

/// An assignment rule to add: the codes it matches on, and exactly one
/// target (a user, or a department whose reps take turns).
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Default: after the last rule.
    pub position: Option<i32>,
    pub name: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub target_user_id: Option<i64>,
    pub target_department_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("unknown dictionary values")]
    UnknownCodes(Vec<crate::dictionaries::UnknownCode>),
    #[error("there is no active user {0}")]
    NoSuchUser(i64),
    #[error("there is no department {0}")]
    NoSuchDepartment(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for RuleError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use RuleError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::UnknownCodes(list) => crate::dictionaries::refused(list),
            E::NoSuchUser(u) => Refused::field(
                "target_user_id",
                FieldCode::NotFound,
                format!("there is no active user {u}"),
            ),
            E::NoSuchDepartment(d) => Refused::field(
                "target_department_id",
                FieldCode::NotFound,
                format!("there is no department {d}"),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Adds an assignment rule whose codes and target exist.
pub fn add_rule(conn: &mut DbConn, new: NewRule, now: chrono::DateTime<chrono::Utc>) -> Result<RuleRow, RuleError> {
    let fields = [
        ("region", new.region.as_deref()),
        ("industry", new.industry.as_deref()),
        ("source", new.source.as_deref()),
    ];
    let unknown = crate::dictionaries::unknown(conn, &fields)?;
    if !unknown.is_empty() {
        return Err(RuleError::UnknownCodes(unknown));
    }
    if let Some(u) = new.target_user_id {
        match crate::users::find(conn, u) {
            Ok(user) if user.active => {}
            Ok(_) | Err(RepoError::NotFound) => return Err(RuleError::NoSuchUser(u)),
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(d) = new.target_department_id
        && !crate::departments::exists(conn, d)?
    {
        return Err(RuleError::NoSuchDepartment(d));
    }
    let position = match new.position {
        Some(p) => p,
        None => rules(conn, false)?.iter().map(|r| r.position).max().unwrap_or(0) + 10,
    };
    let row = NewRuleRow {
        position,
        name: new.name,
        region: new.region,
        industry: new.industry,
        source: new.source,
        target_user_id: new.target_user_id,
        target_department_id: new.target_department_id,
        created_at: crate::naive(now),
        updated_at: crate::naive(now),
    };
    Ok(insert_rule(conn, &row)?)
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
