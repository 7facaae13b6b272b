//! Pipelines with their stages, opportunities (商机) and stage history.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use domain::pipeline::StageChange;
use domain::scope::DataScope;

use crate::conn::MultiBackend;
use crate::schema::{activities, opportunities, stage_changes, users};
use crate::scope::Reach;
use crate::{DbConn, RepoError, naive};

mod checkpoints;
mod coaching;
mod committee;
mod judgement;
mod manage;
mod milestones;
mod moves;
mod pipelines;
mod stage_settings;

pub use checkpoints::{
    CheckRow, ChecklistError, CheckpointInput, CheckpointRow, DealCheck, check, checklist, of_deal as checks_of,
    set_checklist,
};
pub use coaching::{AnalysisRow, CommentRow, NewAnalysis, analyse, analyses, comment, comments};
pub use committee::{Committee, Member, MemberRow, committee, seat, unseat};
pub use judgement::{JudgementRow, judge, judgements};
pub use manage::{DealError, DealView, NewDeal, create, edit};
pub use milestones::{
    MilestoneChange, MilestoneRow, NewMilestone, add as add_milestone, change as change_milestone, milestones,
    overdue_of as milestones_overdue, remove as remove_milestone,
};
pub use moves::{Move, MoveFailure, move_stage};
pub use pipelines::*;
pub use stage_settings::{StageSettings, update_stage};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opportunities)]
pub struct OpportunityRow {
    pub id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub title: String,
    pub amount: Option<i64>,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: i64,
    pub status: String,
    pub lost_reason: Option<String>,
    pub lost_at_stage_id: Option<i64>,
    pub stage_entered_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The rep's win probability; `None`: the stage's applies.
    pub rep_probability: Option<i32>,
    /// The rep's forecast category; `None`: pipeline.
    pub forecast_category: Option<String>,
    /// The competitor a lost deal was lost to.
    pub lost_to_competitor_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = opportunities)]
pub struct NewOpportunityRow {
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub title: String,
    pub amount: Option<i64>,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: i64,
    pub stage_entered_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = opportunities)]
pub struct OpportunityChangeset {
    pub title: Option<String>,
    pub contact_id: Option<Option<i64>>,
    pub amount: Option<Option<i64>>,
    pub currency: Option<String>,
    pub expected_close_date: Option<Option<NaiveDate>>,
    pub stage_id: Option<i64>,
    pub status: Option<String>,
    pub lost_reason: Option<Option<String>>,
    pub lost_at_stage_id: Option<Option<i64>>,
    pub stage_entered_at: Option<NaiveDateTime>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub lost_to_competitor_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    pub status: Option<String>,
    pub closing_from: Option<NaiveDate>,
    pub closing_to: Option<NaiveDate>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Open deals in a stage longer than its stale-after days, or older than
    /// that with no activity since and no next step scheduled:
    /// `(stage id, cutoff)` per stage, and now.
    pub stale: Option<(Vec<(i64, NaiveDateTime)>, NaiveDateTime)>,
    pub updated_since: Option<DateTime<Utc>>,
    /// One custom field's value: the field id and the filter.
    pub custom: Option<(i64, domain::custom_fields::Filter)>,
}

pub(crate) type Boxed<'a> = opportunities::BoxedQuery<'a, MultiBackend>;

/// Narrows `$q`, a boxed query whose FROM holds `opportunities` (alone or
/// joined), to the deals `$scope` may see. A macro so one text serves every
/// query shape.
macro_rules! deal_scope {
    ($q:expr, $scope:expr) => {{
        use $crate::schema::{opportunities as so, users as su};
        let q = $q;
        match $scope {
            DataScope::All => q,
            DataScope::Departments { user_id, departments } => q.filter(
                so::owner_id.eq(*user_id).or(so::owner_id.eq_any(
                    su::table
                        .filter(su::department_id.eq_any(departments.clone()))
                        .select(su::id),
                )),
            ),
            DataScope::Own { user_id } => q.filter(so::owner_id.eq(*user_id)),
        }
    }};
}

pub(crate) use deal_scope;

pub(crate) fn scoped<'a>(q: Boxed<'a>, scope: &DataScope) -> Boxed<'a> {
    deal_scope!(q, scope)
}

/// Stores a deal and its first stage change (entering its first stage).
pub fn insert(
    conn: &mut DbConn,
    new: &NewOpportunityRow,
    by: i64,
    now: DateTime<Utc>,
) -> Result<OpportunityRow, RepoError> {
    let id: i64 = diesel::insert_into(opportunities::table)
        .values(new)
        .returning(opportunities::id)
        .get_result(conn)?;
    record_change(conn, id, &domain::pipeline::stage_change(None, new.stage_id, now), by)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<OpportunityRow, RepoError> {
    Ok(opportunities::table
        .find(id)
        .select(OpportunityRow::as_select())
        .first(conn)?)
}

pub fn find_visible(conn: &mut DbConn, id: i64, by: &impl Reach) -> Result<Option<OpportunityRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    Ok(scoped(
        opportunities::table.filter(opportunities::id.eq(id)).into_boxed(),
        scope,
    )
    .select(OpportunityRow::as_select())
    .first(conn)
    .optional()?)
}

/// Applies a change if the deal is still at `expected_version` (when given).
/// Takes the deal's row lock for the rest of the transaction (a no-op
/// UPDATE; PostgreSQL has no portable `FOR UPDATE` through the multi-backend
/// connection, SQLite's writer lock is already held), so concurrent stage
/// moves run one after the other and each decides on the state the one
/// before it left, as on SQLite.
pub fn lock(conn: &mut DbConn, id: i64) -> Result<(), RepoError> {
    diesel::update(opportunities::table.find(id))
        .set(opportunities::version.eq(opportunities::version))
        .execute(conn)?;
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &OpportunityChangeset,
    now: DateTime<Utc>,
) -> Result<OpportunityRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let n = diesel::update(
        opportunities::table
            .filter(opportunities::id.eq(id))
            .filter(opportunities::version.eq(expected_version.unwrap_or(0)).or(any_version)),
    )
    .set((
        changes,
        opportunities::version.eq(opportunities::version + 1),
        opportunities::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    find(conn, id)
}

pub fn record_change(conn: &mut DbConn, opportunity_id: i64, change: &StageChange, by: i64) -> Result<(), RepoError> {
    diesel::insert_into(stage_changes::table)
        .values((
            stage_changes::opportunity_id.eq(opportunity_id),
            stage_changes::from_stage_id.eq(change.from),
            stage_changes::to_stage_id.eq(change.to),
            stage_changes::changed_by.eq(Some(by)),
            stage_changes::changed_at.eq(naive(change.at)),
            stage_changes::seconds_in_from.eq(change.seconds_in_from),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stage_changes)]
pub struct StageChangeRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
    pub seconds_in_from: i64,
}

pub fn history(conn: &mut DbConn, opportunity_id: i64) -> Result<Vec<StageChangeRow>, RepoError> {
    Ok(stage_changes::table
        .filter(stage_changes::opportunity_id.eq(opportunity_id))
        .order(stage_changes::id.asc())
        .select(StageChangeRow::as_select())
        .load(conn)?)
}

pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    filter: &OpportunityFilter,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<OpportunityRow>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let mut q = scoped(opportunities::table.into_boxed(), scope);
    if let Some(v) = filter.pipeline_id {
        q = q.filter(opportunities::pipeline_id.eq(v));
    }
    if let Some(v) = filter.stage_id {
        q = q.filter(opportunities::stage_id.eq(v));
    }
    if let Some(v) = filter.owner_id {
        q = q.filter(opportunities::owner_id.eq(v));
    }
    if let Some(d) = filter.department_id {
        q = q.filter(opportunities::owner_id.eq_any(users::table.filter(users::department_id.eq(d)).select(users::id)));
    }
    if let Some(v) = &filter.status {
        q = q.filter(opportunities::status.eq(v.clone()));
    }
    if let Some(v) = filter.closing_from {
        q = q.filter(opportunities::expected_close_date.ge(v));
    }
    if let Some(v) = filter.closing_to {
        q = q.filter(opportunities::expected_close_date.le(v));
    }
    if let Some(v) = filter.amount_min {
        q = q.filter(opportunities::amount.ge(v));
    }
    if let Some(v) = filter.amount_max {
        q = q.filter(opportunities::amount.le(v));
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(opportunities::updated_at.ge(naive(since)));
    }
    if let Some(custom) = &filter.custom {
        q = crate::custom_filter!(
            q,
            opportunities::id,
            domain::custom_fields::CustomEntity::Opportunity,
            custom
        );
    }
    if let Some((stale, now)) = &filter.stale {
        q = q.filter(opportunities::status.eq("open"));
        let mut any: Box<dyn BoxableExpression<opportunities::table, MultiBackend, SqlType = Bool>> =
            Box::new(sql::<Bool>("1 = 0"));
        for (stage, cutoff) in stale {
            let recent_activity = activities::table
                .filter(activities::opportunity_id.eq(opportunities::id.nullable()))
                .filter(activities::occurred_at.ge(*cutoff));
            let next_step = activities::table
                .filter(activities::opportunity_id.eq(opportunities::id.nullable()))
                .filter(activities::next_action_at.ge(*now));
            let neglected = opportunities::created_at
                .lt(*cutoff)
                .and(diesel::dsl::not(diesel::dsl::exists(recent_activity)))
                .and(diesel::dsl::not(diesel::dsl::exists(next_step)));
            any = Box::new(
                any.or(opportunities::stage_id
                    .eq(*stage)
                    .and(opportunities::stage_entered_at.lt(*cutoff).or(neglected))),
            );
        }
        q = q.filter(any);
    }
    if let Some(id) = after_id {
        q = q.filter(opportunities::id.gt(id));
    }
    Ok(q.order(opportunities::id.asc())
        .select(OpportunityRow::as_select())
        .limit(i64::from(limit))
        .load(conn)?)
}
