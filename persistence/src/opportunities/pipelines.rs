//! Pipelines and their stages, as stored.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::pipeline::{Requirement, Stage, StageKind};

use crate::schema::{pipelines, stages};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pipelines)]
pub struct PipelineRow {
    pub id: i64,
    pub name: String,
    pub allow_skip: bool,
    pub allow_back: bool,
    pub is_default: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stages)]
pub struct StageRow {
    pub id: i64,
    pub pipeline_id: i64,
    pub name: String,
    pub position: i32,
    pub probability: i32,
    pub kind: String,
    pub required_fields: String,
    pub stale_after_days: Option<i32>,
    pub target_conversion_bp: Option<i32>,
    /// From the first stage marked so on, a deal needs a decision maker.
    pub needs_decision_maker: bool,
}

impl StageRow {
    pub fn kind(&self) -> StageKind {
        match self.kind.as_str() {
            "won" => StageKind::Won,
            "lost" => StageKind::Lost,
            _ => StageKind::Open,
        }
    }

    pub fn requires(&self) -> Vec<Requirement> {
        self.required_fields
            .split_whitespace()
            .filter_map(Requirement::parse)
            .collect()
    }

    pub fn rule(&self) -> Stage {
        Stage {
            id: self.id,
            position: self.position,
            kind: self.kind(),
            requires: self.requires(),
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stages)]
pub struct NewStageRow {
    pub pipeline_id: i64,
    pub name: String,
    pub position: i32,
    pub probability: i32,
    pub kind: String,
    pub required_fields: String,
    pub stale_after_days: Option<i32>,
    pub target_conversion_bp: Option<i32>,
}

pub fn pipelines_list(conn: &mut DbConn) -> Result<Vec<PipelineRow>, RepoError> {
    Ok(pipelines::table
        .select(PipelineRow::as_select())
        .order(pipelines::id.asc())
        .load(conn)?)
}

pub fn pipeline(conn: &mut DbConn, id: i64) -> Result<PipelineRow, RepoError> {
    Ok(pipelines::table.find(id).select(PipelineRow::as_select()).first(conn)?)
}

pub fn default_pipeline(conn: &mut DbConn) -> Result<PipelineRow, RepoError> {
    Ok(pipelines::table
        .filter(pipelines::is_default.eq(true))
        .filter(pipelines::active.eq(true))
        .select(PipelineRow::as_select())
        .order(pipelines::id.asc())
        .first(conn)?)
}

/// Stages of the given pipelines, in order.
pub fn stages_of(conn: &mut DbConn, pipeline_ids: &[i64]) -> Result<Vec<StageRow>, RepoError> {
    Ok(stages::table
        .filter(stages::pipeline_id.eq_any(pipeline_ids))
        .order((stages::pipeline_id.asc(), stages::position.asc(), stages::id.asc()))
        .select(StageRow::as_select())
        .load(conn)?)
}

pub fn insert_pipeline(
    conn: &mut DbConn,
    name: &str,
    allow_skip: bool,
    allow_back: bool,
    stage_rows: &[NewStageRow],
    now: DateTime<Utc>,
) -> Result<PipelineRow, RepoError> {
    let id: i64 = diesel::insert_into(pipelines::table)
        .values((
            pipelines::name.eq(name),
            pipelines::allow_skip.eq(allow_skip),
            pipelines::allow_back.eq(allow_back),
            pipelines::created_at.eq(naive(now)),
            pipelines::updated_at.eq(naive(now)),
        ))
        .returning(pipelines::id)
        .get_result(conn)?;
    for s in stage_rows {
        let row = NewStageRow {
            pipeline_id: id,
            ..s.clone()
        };
        diesel::insert_into(stages::table).values(&row).execute(conn)?;
    }
    pipeline(conn, id)
}
