//! The audit trail: who changed what, when (owner, name, grade, status of
//! customers), written in the same transaction as the change.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::audit_events;
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub actor_id: Option<i64>,
    /// JSON: `{"field": [before, after], ...}` or facts of the action.
    pub detail: String,
    pub at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i64,
    action: &str,
    actor_id: Option<i64>,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::entity.eq(entity),
            audit_events::entity_id.eq(entity_id),
            audit_events::action.eq(action),
            audit_events::actor_id.eq(actor_id),
            audit_events::detail.eq(detail),
            audit_events::at.eq(naive(at)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn for_entity(conn: &mut DbConn, entity: &str, entity_id: i64) -> Result<Vec<AuditRow>, RepoError> {
    Ok(audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// What to list of the whole audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
}

/// The audit trail, oldest first, after id `after`.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, RepoError> {
    let mut q = audit_events::table
        .select(AuditRow::as_select())
        .into_boxed::<crate::conn::MultiBackend>();
    if let Some(e) = &filter.entity {
        q = q.filter(audit_events::entity.eq(e.clone()));
    }
    if let Some(id) = filter.entity_id {
        q = q.filter(audit_events::entity_id.eq(id));
    }
    if let Some(a) = filter.actor_id {
        q = q.filter(audit_events::actor_id.eq(a));
    }
    if let Some(t) = filter.since {
        q = q.filter(audit_events::at.ge(naive(t)));
    }
    if let Some(a) = after {
        q = q.filter(audit_events::id.gt(a));
    }
    Ok(q.order(audit_events::id.asc()).limit(limit).load(conn)?)
}
