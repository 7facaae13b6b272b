//! Changing a stage's settings (name, probability, stale days, target
//! conversion) on an existing pipeline; its kind and place stay.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StageRow;
use crate::schema::stages;
use crate::{DbConn, RepoError, audit};

/// What to change: absent fields stay; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct StageSettings {
    pub name: Option<String>,
    pub probability: Option<i32>,
    pub stale_after_days: Option<Option<i32>>,
    pub target_conversion_bp: Option<Option<i32>>,
    pub needs_decision_maker: Option<bool>,
}

/// Changes stage `stage` of pipeline `pipeline` (`NotFound` when it is not
/// one of its stages), with an audit event.
pub fn update_stage(
    conn: &mut DbConn,
    pipeline: i64,
    stage: i64,
    change: &StageSettings,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<StageRow, RepoError> {
    let row: StageRow = stages::table
        .filter(stages::id.eq(stage))
        .filter(stages::pipeline_id.eq(pipeline))
        .select(StageRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(RepoError::NotFound)?;
    diesel::update(stages::table.find(stage))
        .set((
            stages::name.eq(change.name.clone().unwrap_or(row.name)),
            stages::probability.eq(change.probability.unwrap_or(row.probability)),
            stages::stale_after_days.eq(change.stale_after_days.unwrap_or(row.stale_after_days)),
            stages::target_conversion_bp.eq(change.target_conversion_bp.unwrap_or(row.target_conversion_bp)),
            stages::needs_decision_maker.eq(change.needs_decision_maker.unwrap_or(row.needs_decision_maker)),
        ))
        .execute(conn)?;
    let detail = serde_json::json!({ "pipeline_id": pipeline }).to_string();
    audit::record(conn, "stage", stage, "updated", Some(actor), &detail, now)?;
    Ok(stages::table.find(stage).select(StageRow::as_select()).first(conn)?)
}
