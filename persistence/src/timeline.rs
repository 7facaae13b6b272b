//! A customer's timeline (客户时间线): its follow-ups, the stage changes of
//! its deals and the events of its record (created, claimed, released,
//! returned to the pool, transferred, locked, merged ...) in one time order,
//! newest first. Each source is read with the same keyset bound and merged,
//! so a page costs three indexed queries whatever the history's length.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::activities::ActivityRow;
use crate::audit::AuditRow;
use crate::opportunities::StageChangeRow;
use crate::schema::{activities, audit_events, opportunities, stage_changes};
use crate::{DbConn, RepoError};

/// The record events a timeline shows (field edits stay in the audit trail).
pub const EVENTS: [&str; 11] = [
    "created",
    "claimed",
    "released",
    "returned_to_pool",
    "transferred",
    "locked",
    "unlocked",
    "merged",
    "merged_into",
    "deleted",
    "restored",
];

/// Where an entry sits: newest first by time, then by source, then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    pub at: NaiveDateTime,
    /// 0 activity, 1 stage change, 2 record event.
    pub source: u8,
    pub id: i64,
}

#[derive(Debug, Clone)]
pub enum Entry {
    Activity(Box<ActivityRow>),
    StageChange(StageChangeRow, String),
    Event(AuditRow),
}

/// How a source's rows relate to the bound `after`: all rows strictly before
/// it in the order (at desc, source desc, id desc).
fn bound(after: Option<Mark>, source: u8) -> Option<(NaiveDateTime, Option<i64>, bool)> {
    after.map(|m| match source.cmp(&m.source) {
        // a lower source at the same time comes later in the order
        std::cmp::Ordering::Less => (m.at, None, true),
        std::cmp::Ordering::Equal => (m.at, Some(m.id), false),
        std::cmp::Ordering::Greater => (m.at, None, false),
    })
}

/// One page of a customer's timeline after `after` (exclusive).
pub fn of_customer(
    conn: &mut DbConn,
    customer_id: i64,
    after: Option<Mark>,
    limit: u32,
) -> Result<Vec<(Mark, Entry)>, RepoError> {
    let n = i64::from(limit);
    let mut out: Vec<(Mark, Entry)> = Vec::new();

    let mut q = activities::table
        .filter(activities::customer_id.eq(customer_id))
        .filter(activities::deleted_at.is_null())
        .into_boxed();
    match bound(after, 0) {
        Some((t, Some(id), _)) => {
            q = q.filter(
                activities::occurred_at
                    .lt(t)
                    .or(activities::occurred_at.eq(t).and(activities::id.lt(id))),
            )
        }
        Some((t, None, true)) => q = q.filter(activities::occurred_at.le(t)),
        Some((t, None, false)) => q = q.filter(activities::occurred_at.lt(t)),
        None => {}
    }
    let rows: Vec<ActivityRow> = q
        .order((activities::occurred_at.desc(), activities::id.desc()))
        .limit(n)
        .select(ActivityRow::as_select())
        .load(conn)?;
    out.extend(rows.into_iter().map(|r| {
        let m = Mark {
            at: r.occurred_at,
            source: 0,
            id: r.id,
        };
        (m, Entry::Activity(Box::new(r)))
    }));

    let mut q = stage_changes::table
        .inner_join(opportunities::table.on(opportunities::id.eq(stage_changes::opportunity_id)))
        .filter(opportunities::customer_id.eq(customer_id))
        .into_boxed();
    match bound(after, 1) {
        Some((t, Some(id), _)) => {
            q = q.filter(
                stage_changes::changed_at
                    .lt(t)
                    .or(stage_changes::changed_at.eq(t).and(stage_changes::id.lt(id))),
            )
        }
        Some((t, None, true)) => q = q.filter(stage_changes::changed_at.le(t)),
        Some((t, None, false)) => q = q.filter(stage_changes::changed_at.lt(t)),
        None => {}
    }
    let rows: Vec<(StageChangeRow, String)> = q
        .order((stage_changes::changed_at.desc(), stage_changes::id.desc()))
        .limit(n)
        .select((StageChangeRow::as_select(), opportunities::title))
        .load(conn)?;
    out.extend(rows.into_iter().map(|(r, title)| {
        let m = Mark {
            at: r.changed_at,
            source: 1,
            id: r.id,
        };
        (m, Entry::StageChange(r, title))
    }));

    let mut q = audit_events::table
        .filter(audit_events::entity.eq("customer"))
        .filter(audit_events::entity_id.eq(customer_id))
        .filter(audit_events::action.eq_any(EVENTS))
        .into_boxed();
    match bound(after, 2) {
        Some((t, Some(id), _)) => {
            q = q.filter(
                audit_events::at
                    .lt(t)
                    .or(audit_events::at.eq(t).and(audit_events::id.lt(id))),
            )
        }
        Some((t, None, true)) => q = q.filter(audit_events::at.le(t)),
        Some((t, None, false)) => q = q.filter(audit_events::at.lt(t)),
        None => {}
    }
    let rows: Vec<AuditRow> = q
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(n)
        .select(AuditRow::as_select())
        .load(conn)?;
    out.extend(rows.into_iter().map(|r| {
        let m = Mark {
            at: r.at,
            source: 2,
            id: r.id,
        };
        (m, Entry::Event(r))
    }));

    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    out.truncate(limit as usize);
    Ok(out)
}
