//! Exit criteria (`domain::pipeline::transition_checked`): each stage's
//! checklist, kept by the admin, and what each deal has checked, by whom and
//! when. Unchecking keeps the row, so the record of who checked what stays.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::vocabulary::DealStatus;

use super::manage::DealError;
use super::{OpportunityRow, find_visible};
use crate::schema::{deal_checks, stage_checkpoints, stages};
use crate::scope::Principal;
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stage_checkpoints)]
pub struct CheckpointRow {
    pub id: i64,
    pub stage_id: i64,
    pub position: i32,
    pub label: String,
    pub required: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_checks)]
pub struct CheckRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub checkpoint_id: i64,
    pub checked_by: i64,
    pub checked_at: NaiveDateTime,
    pub note: Option<String>,
    pub unchecked_by: Option<i64>,
    pub unchecked_at: Option<NaiveDateTime>,
}

/// One item of a checklist as an admin sends it: an existing one by id
/// (renamed, made required or not, moved), or a new one.
#[derive(Debug, Clone)]
pub struct CheckpointInput {
    pub id: Option<i64>,
    pub label: String,
    pub required: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("no such stage in this pipeline")]
    NoSuchStage,
    /// Item `index` names an id that is not a checkpoint of this stage (or names it twice).
    #[error("checkpoint {id} is not one of this stage's")]
    NotOfStage { index: usize, id: i64 },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<diesel::result::Error> for ChecklistError {
    fn from(e: diesel::result::Error) -> Self {
        ChecklistError::Repo(e.into())
    }
}

impl crate::Explain for ChecklistError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::Refused;
        match self {
            ChecklistError::NoSuchStage => Ok(Refused::not_found("stage")),
            ChecklistError::NotOfStage { index, id } => Ok(Refused::field(
                format!("checkpoints.{index}.id"),
                domain::vocabulary::FieldCode::NotFound,
                format!("checkpoint {id} is not one of this stage's (or is named twice)"),
            )),
            ChecklistError::Repo(e) => Err(e),
        }
    }
}

fn stage_of(conn: &mut DbConn, pipeline: i64, stage: i64) -> Result<(), ChecklistError> {
    let found: Option<i64> = stages::table
        .filter(stages::id.eq(stage))
        .filter(stages::pipeline_id.eq(pipeline))
        .select(stages::id)
        .first(conn)
        .optional()?;
    found.map(|_| ()).ok_or(ChecklistError::NoSuchStage)
}

fn active_of(conn: &mut DbConn, stage_ids: &[i64]) -> Result<Vec<CheckpointRow>, RepoError> {
    Ok(stage_checkpoints::table
        .filter(stage_checkpoints::stage_id.eq_any(stage_ids))
        .filter(stage_checkpoints::active.eq(true))
        .order((stage_checkpoints::position.asc(), stage_checkpoints::id.asc()))
        .select(CheckpointRow::as_select())
        .load(conn)?)
}

/// The active checklist of stage `stage` of pipeline `pipeline`, in order.
pub fn checklist(conn: &mut DbConn, pipeline: i64, stage: i64) -> Result<Vec<CheckpointRow>, ChecklistError> {
    stage_of(conn, pipeline, stage)?;
    Ok(active_of(conn, &[stage])?)
}

/// Replaces the checklist of a stage with `items`, in their order: items
/// with an id keep their identity (and the deals' checks of them), new ones
/// are added, those not named are retired. An admin's change, audited.
pub fn set_checklist(
    conn: &mut DbConn,
    pipeline: i64,
    stage: i64,
    items: &[CheckpointInput],
    actor: i64,
    now: DateTime<Utc>,
) -> Result<Vec<CheckpointRow>, ChecklistError> {
    stage_of(conn, pipeline, stage)?;
    let existing: Vec<i64> = stage_checkpoints::table
        .filter(stage_checkpoints::stage_id.eq(stage))
        .select(stage_checkpoints::id)
        .load(conn)?;
    let mut kept = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let position = i32::try_from(index).unwrap_or(i32::MAX);
        match item.id {
            Some(id) if existing.contains(&id) && !kept.contains(&id) => {
                diesel::update(stage_checkpoints::table.find(id))
                    .set((
                        stage_checkpoints::position.eq(position),
                        stage_checkpoints::label.eq(&item.label),
                        stage_checkpoints::required.eq(item.required),
                        stage_checkpoints::active.eq(true),
                        stage_checkpoints::updated_at.eq(naive(now)),
                    ))
                    .execute(conn)?;
                kept.push(id);
            }
            Some(id) => return Err(ChecklistError::NotOfStage { index, id }),
            None => {
                diesel::insert_into(stage_checkpoints::table)
                    .values((
                        stage_checkpoints::stage_id.eq(stage),
                        stage_checkpoints::position.eq(position),
                        stage_checkpoints::label.eq(&item.label),
                        stage_checkpoints::required.eq(item.required),
                        stage_checkpoints::active.eq(true),
                        stage_checkpoints::created_at.eq(naive(now)),
                        stage_checkpoints::updated_at.eq(naive(now)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    let retired: Vec<i64> = existing.into_iter().filter(|id| !kept.contains(id)).collect();
    diesel::update(
        stage_checkpoints::table
            .filter(stage_checkpoints::id.eq_any(&retired))
            .filter(stage_checkpoints::active.eq(true)),
    )
    .set((
        stage_checkpoints::active.eq(false),
        stage_checkpoints::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    let detail = serde_json::json!({ "pipeline_id": pipeline, "checkpoints": items.len() }).to_string();
    audit::record(conn, "stage", stage, "checklist_set", Some(actor), &detail, now)?;
    Ok(active_of(conn, &[stage])?)
}

/// A checkpoint with the deal's current check of it, if any.
#[derive(Debug, Clone)]
pub struct DealCheck {
    pub checkpoint: CheckpointRow,
    pub check: Option<CheckRow>,
}

fn current_checks(conn: &mut DbConn, deal: i64) -> Result<Vec<CheckRow>, RepoError> {
    Ok(deal_checks::table
        .filter(deal_checks::opportunity_id.eq(deal))
        .filter(deal_checks::unchecked_at.is_null())
        .select(CheckRow::as_select())
        .load(conn)?)
}

/// The labels of the required checkpoints of `stage` that deal `deal` has
/// not checked: what holds it in the stage.
pub fn unchecked_required(conn: &mut DbConn, deal: i64, stage: i64) -> Result<Vec<String>, RepoError> {
    let checked: Vec<i64> = current_checks(conn, deal)?
        .into_iter()
        .map(|c| c.checkpoint_id)
        .collect();
    Ok(active_of(conn, &[stage])?
        .into_iter()
        .filter(|c| c.required && !checked.contains(&c.id))
        .map(|c| c.label)
        .collect())
}

/// The checklist of the current stage of deal `id` (one the caller may
/// see), each item with its check.
pub fn of_deal(conn: &mut DbConn, by: &Principal, id: i64) -> Result<(OpportunityRow, Vec<DealCheck>), DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let checks = current_checks(conn, id)?;
    let items = active_of(conn, &[deal.stage_id])?
        .into_iter()
        .map(|checkpoint| DealCheck {
            check: checks.iter().find(|c| c.checkpoint_id == checkpoint.id).cloned(),
            checkpoint,
        })
        .collect();
    Ok((deal, items))
}

/// Checks (or unchecks) checkpoint `checkpoint` (of any stage of the deal's
/// pipeline) on open deal `id`, as the caller. Checking what is checked, or
/// unchecking what is not, changes nothing.
pub fn check(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    checkpoint: i64,
    checked: bool,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DealCheck, DealError> {
    super::lock(conn, id)?;
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let status: DealStatus = deal
        .status
        .parse()
        .map_err(|e: domain::vocabulary::UnknownWord| RepoError::Corrupt(e.to_string()))?;
    if status != DealStatus::Open {
        return Err(DealError::Judgement(
            domain::pipeline::judgement::JudgementError::Closed(status),
        ));
    }
    let point: CheckpointRow = stage_checkpoints::table
        .inner_join(stages::table.on(stages::id.eq(stage_checkpoints::stage_id)))
        .filter(stage_checkpoints::id.eq(checkpoint))
        .filter(stage_checkpoints::active.eq(true))
        .filter(stages::pipeline_id.eq(deal.pipeline_id))
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DealError::NoSuchCheckpoint)?;
    let current = current_checks(conn, id)?
        .into_iter()
        .find(|c| c.checkpoint_id == checkpoint);
    match (checked, current) {
        (true, Some(c)) => Ok(DealCheck {
            checkpoint: point,
            check: Some(c),
        }),
        (true, None) => {
            diesel::insert_into(deal_checks::table)
                .values((
                    deal_checks::opportunity_id.eq(id),
                    deal_checks::checkpoint_id.eq(checkpoint),
                    deal_checks::checked_by.eq(by.user_id),
                    deal_checks::checked_at.eq(naive(now)),
                    deal_checks::note.eq(note),
                ))
                .execute(conn)?;
            let check = current_checks(conn, id)?
                .into_iter()
                .find(|c| c.checkpoint_id == checkpoint);
            Ok(DealCheck {
                checkpoint: point,
                check,
            })
        }
        (false, Some(c)) => {
            diesel::update(deal_checks::table.find(c.id))
                .set((
                    deal_checks::unchecked_by.eq(Some(by.user_id)),
                    deal_checks::unchecked_at.eq(Some(naive(now))),
                ))
                .execute(conn)?;
            Ok(DealCheck {
                checkpoint: point,
                check: None,
            })
        }
        (false, None) => Ok(DealCheck {
            checkpoint: point,
            check: None,
        }),
    }
}
