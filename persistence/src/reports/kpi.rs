//! The facts of the process KPIs per rep, and the daily activity targets
//! (an organisation setting).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::reports::kpi::{ActivityTargets, KpiFacts};
use domain::vocabulary::ActivityKind;

use crate::schema::{activities, customers, grade_changes, leads};
use crate::{DbConn, RepoError, audit, naive, settings};

const SETTING: &str = "activity_targets";

pub fn targets(conn: &mut DbConn) -> Result<ActivityTargets, RepoError> {
    match settings::get(conn, SETTING)? {
        None => Ok(ActivityTargets::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored activity targets are unreadable: {e}"))),
    }
}

/// Saves the daily activity targets (already checked), with an audit event.
pub fn set_targets(conn: &mut DbConn, t: &ActivityTargets, actor: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    let json = serde_json::to_string(t).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    settings::put(conn, SETTING, &json)?;
    audit::record(conn, "settings", 0, "activity_targets_changed", Some(actor), &json, now)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Each of `reps`' KPI facts for the instants `[from, to)`.
pub fn facts(
    conn: &mut DbConn,
    reps: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<KpiFacts>, RepoError> {
    let period = (from, to);
    let (from, to) = (naive(from), naive(to));
    let mut out: HashMap<i64, KpiFacts> = reps
        .iter()
        .map(|id| {
            (
                *id,
                KpiFacts {
                    user_id: *id,
                    ..KpiFacts::default()
                },
            )
        })
        .collect();
    let kinds = [ActivityKind::Call.as_str(), ActivityKind::Visit.as_str()];
    let logged = super::activity_counts::counts(conn, reps, period, Some(&kinds))?;
    for ((author, kind), n) in logged {
        if let Some(f) = out.get_mut(&author) {
            if kind == ActivityKind::Call.as_str() {
                f.calls = count(n);
            } else {
                f.visits = count(n);
            }
        }
    }
    let effective: Vec<(Option<i64>, Option<i64>)> = activities::table
        .filter(activities::created_by.eq_any(reps))
        .filter(activities::deleted_at.is_null())
        .filter(activities::occurred_at.ge(from))
        .filter(activities::occurred_at.lt(to))
        .filter(activities::kind.eq(ActivityKind::Visit.as_str()))
        .filter(activities::key_person_met.eq(true))
        .filter(activities::customer_id.is_not_null())
        .select((activities::created_by, activities::customer_id))
        .distinct()
        .load(conn)?;
    let pairs: HashSet<(i64, i64)> = effective.into_iter().filter_map(|(a, c)| a.zip(c)).collect();
    for (author, _) in pairs {
        if let Some(f) = out.get_mut(&author) {
            f.effective_customers += 1;
        }
    }
    let created: Vec<(Option<i64>, i64)> = customers::table
        .filter(customers::created_by.eq_any(reps))
        .filter(customers::deleted_at.is_null())
        .filter(customers::created_at.ge(from))
        .filter(customers::created_at.lt(to))
        .group_by(customers::created_by)
        .select((customers::created_by, diesel::dsl::count_star()))
        .load(conn)?;
    for (by, n) in created {
        if let Some(f) = by.and_then(|b| out.get_mut(&b)) {
            f.new_customers = count(n);
        }
    }
    let held: Vec<(Option<i64>, i64)> = customers::table
        .filter(customers::owner_id.eq_any(reps))
        .filter(customers::deleted_at.is_null())
        .filter(customers::merged_into.is_null())
        .group_by(customers::owner_id)
        .select((customers::owner_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (owner, n) in held {
        if let Some(f) = owner.and_then(|o| out.get_mut(&o)) {
            f.held = count(n);
        }
    }
    let upgrades: Vec<(Option<i64>, i64)> = grade_changes::table
        .filter(grade_changes::owner_id.eq_any(reps))
        .filter(grade_changes::to_grade.eq("A"))
        .filter(grade_changes::from_grade.eq_any(["B", "C"]))
        .filter(grade_changes::changed_at.ge(from))
        .filter(grade_changes::changed_at.lt(to))
        .group_by(grade_changes::owner_id)
        .select((grade_changes::owner_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (owner, n) in upgrades {
        if let Some(f) = owner.and_then(|o| out.get_mut(&o)) {
            f.upgrades_to_a = count(n);
        }
    }
    let due: Vec<(Option<i64>, Option<NaiveDateTime>, Option<NaiveDateTime>)> = leads::table
        .filter(leads::owner_id.eq_any(reps))
        .filter(leads::first_contact_due_at.ge(from))
        .filter(leads::first_contact_due_at.lt(to))
        .select((leads::owner_id, leads::first_contact_due_at, leads::first_contacted_at))
        .load(conn)?;
    for (owner, deadline, contacted) in due {
        if let Some(f) = owner.and_then(|o| out.get_mut(&o)) {
            f.sla_due += 1;
            if matches!((contacted, deadline), (Some(c), Some(d)) if c <= d) {
                f.sla_kept += 1;
            }
        }
    }
    let mut all: Vec<KpiFacts> = out.into_values().collect();
    all.sort_by_key(|f| f.user_id);
    Ok(all)
}
