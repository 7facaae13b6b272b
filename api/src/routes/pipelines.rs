//! Pipelines (销售流程) and their stages: everyone reads them; admins create them.

use actix_web::{HttpResponse, get, patch, post, web};
use domain::pipeline::Requirement;
use domain::vocabulary::FieldCode;
use persistence::Found;
use persistence::opportunities::{self, NewStageRow, PipelineRow, StageRow};
use persistence::{DbConn, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, PathId, double_option};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKindDto {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageDto {
    pub id: i64,
    #[schema(example = "方案制定")]
    pub name: String,
    pub position: i32,
    /// Win probability in percent.
    #[schema(example = 40)]
    pub probability: i32,
    pub kind: StageKindDto,
    /// Fields a deal needs to enter this stage: amount, expected_close_date, contact_id.
    #[schema(example = json!(["amount", "expected_close_date"]))]
    pub required_fields: Vec<String>,
    /// Open deals in this stage longer than this are stale.
    pub stale_after_days: Option<i32>,
    /// Target conversion to a later stage, in basis points.
    pub target_conversion_bp: Option<i32>,
    /// From the first stage marked so on, a deal without a decision maker
    /// on its committee is flagged (`GET /opportunities/{id}/committee`).
    pub needs_decision_maker: bool,
}

impl From<&StageRow> for StageDto {
    fn from(s: &StageRow) -> Self {
        StageDto {
            id: s.id,
            name: s.name.clone(),
            position: s.position,
            probability: s.probability,
            kind: match s.kind.as_str() {
                "won" => StageKindDto::Won,
                "lost" => StageKindDto::Lost,
                _ => StageKindDto::Open,
            },
            required_fields: s.requires().iter().map(|r| r.field().to_owned()).collect(),
            stale_after_days: s.stale_after_days,
            target_conversion_bp: s.target_conversion_bp,
            needs_decision_maker: s.needs_decision_maker,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PipelineDto {
    pub id: i64,
    #[schema(example = "标准销售流程")]
    pub name: String,
    pub allow_skip: bool,
    pub allow_back: bool,
    pub is_default: bool,
    pub active: bool,
    pub stages: Vec<StageDto>,
}

fn to_dto(p: PipelineRow, stages: &[StageRow]) -> PipelineDto {
    PipelineDto {
        stages: stages
            .iter()
            .filter(|s| s.pipeline_id == p.id)
            .map(StageDto::from)
            .collect(),
        id: p.id,
        name: p.name,
        allow_skip: p.allow_skip,
        allow_back: p.allow_back,
        is_default: p.is_default,
        active: p.active,
    }
}

/// A pipeline with its stages.
pub fn load(conn: &mut DbConn, id: i64) -> Result<PipelineDto, ApiError> {
    let p = opportunities::pipeline(conn, id)
        .found()?
        .ok_or_else(|| ApiError::not_found("pipeline"))?;
    let stages = opportunities::stages_of(conn, &[id])?;
    Ok(to_dto(p, &stages))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStage {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub probability: i32,
    pub kind: StageKindDto,
    #[serde(default)]
    pub required_fields: Vec<String>,
    #[validate(range(min = 1, max = 3650))]
    #[schema(minimum = 1, maximum = 3650)]
    pub stale_after_days: Option<i32>,
    /// The share of deals entering this stage that should reach a later one, in basis points
    /// (10000 = 100 %); the funnel flags the stage when it falls below.
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub target_conversion_bp: Option<i32>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePipeline {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "大客户项目", min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default)]
    pub allow_skip: bool,
    #[serde(default = "yes")]
    pub allow_back: bool,
    /// In order; at least one open stage, exactly one won and one lost stage.
    #[validate(nested)]
    #[schema(min_items = 3, max_items = 30)]
    pub stages: Vec<CreateStage>,
}

fn yes() -> bool {
    true
}

/// Lists pipelines with their stages.
#[utoipa::path(
    tag = "opportunities",
    responses((status = 200, body = Vec<PipelineDto>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/pipelines")]
pub async fn list_pipelines(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(|conn| {
            let ps = opportunities::pipelines_list(conn)?;
            let ids: Vec<i64> = ps.iter().map(|p| p.id).collect();
            let stages = opportunities::stages_of(conn, &ids)?;
            Ok(ps.into_iter().map(|p| to_dto(p, &stages)).collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Reads one pipeline.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Pipeline id")),
    responses((status = 200, body = PipelineDto), (status = 401, response = crate::responses::Unauthorized), (status = 404, response = crate::responses::NotFound)),
    security(("bearer" = []))
)]
#[get("/pipelines/{id}")]
pub async fn get_pipeline(state: web::Data<AppState>, _user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let p = state.read(move |conn| load(conn, id.0)).await?;
    Ok(HttpResponse::Ok().json(p))
}

/// Creates a pipeline with its stages (admin), e.g. one per product line.
#[utoipa::path(
    tag = "opportunities",
    request_body = CreatePipeline,
    responses(
        (status = 201, body = PipelineDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/pipelines")]
pub async fn create_pipeline(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreatePipeline>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors = Vec::new();
    let count = |k: StageKindDto| b.stages.iter().filter(|s| s.kind == k).count();
    if b.stages.len() > 30
        || count(StageKindDto::Open) == 0
        || count(StageKindDto::Won) != 1
        || count(StageKindDto::Lost) != 1
    {
        errors.push(FieldError::new(
            "stages",
            FieldCode::Relation,
            "at most 30 stages: at least one open stage, exactly one won and one lost stage",
        ));
    }
    let mut rows = Vec::new();
    for (i, s) in b.stages.iter().enumerate() {
        let mut fields = Vec::new();
        for f in &s.required_fields {
            match Requirement::parse(f) {
                Some(r) => fields.push(r.field()),
                None => errors.push(FieldError::new(
                    format!("stages.{i}.required_fields"),
                    FieldCode::UnknownValue,
                    format!("`{f}`: one of amount, expected_close_date, contact_id"),
                )),
            }
        }
        rows.push(NewStageRow {
            pipeline_id: 0,
            name: s.name.trim().to_owned(),
            position: i32::try_from(i + 1).unwrap_or(i32::MAX).saturating_mul(10),
            probability: s.probability,
            kind: match s.kind {
                StageKindDto::Open => "open",
                StageKindDto::Won => "won",
                StageKindDto::Lost => "lost",
            }
            .to_owned(),
            required_fields: fields.join(" "),
            stale_after_days: s.stale_after_days,
            target_conversion_bp: s.target_conversion_bp,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let dto = state
        .write(move |conn| {
            let p = opportunities::insert_pipeline(conn, b.name.trim(), b.allow_skip, b.allow_back, &rows, now_utc())?;
            load(conn, p.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// A stage's settings to change: absent fields stay; `null` clears.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStage {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub probability: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 1, max = 3650))]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 3650)]
    pub stale_after_days: Option<Option<i32>>,
    /// Target conversion to a later stage, in basis points; the funnel flags the stage below it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 0, max = 10000))]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000)]
    pub target_conversion_bp: Option<Option<i32>>,
    /// From this stage on (the first marked, by position), a deal needs a decision maker identified.
    pub needs_decision_maker: Option<bool>,
}

/// Changes a stage's name, probability, stale days or target conversion
/// (admin); its kind and place in the pipeline stay.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Pipeline id"), ("stage_id" = i64, Path, description = "Stage id")),
    request_body = ChangeStage,
    responses(
        (status = 200, body = PipelineDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/pipelines/{id}/stages/{stage_id}")]
pub async fn update_stage(
    state: web::Data<AppState>,
    admin: AdminUser,
    req: actix_web::HttpRequest,
    body: Json<ChangeStage>,
) -> Result<HttpResponse, ApiError> {
    let (pipeline, stage) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "stage_id")?,
    );
    let b = body.0;
    let change = opportunities::StageSettings {
        name: b.name.map(|n| n.trim().to_owned()),
        probability: b.probability,
        stale_after_days: b.stale_after_days,
        target_conversion_bp: b.target_conversion_bp,
        needs_decision_maker: b.needs_decision_maker,
    };
    let dto = state
        .write(move |conn| {
            opportunities::update_stage(conn, pipeline, stage, &change, admin.0.id, now_utc())
                .found()?
                .ok_or_else(|| ApiError::not_found("stage"))?;
            load(conn, pipeline)
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto))
}
