//! The sales funnel (销售漏斗): which stage moves a deal may make. Stages are
//! ordered; entering a stage needs its required fields (and those of every
//! stage passed on the way); skipping forward and moving back are allowed or
//! not per pipeline; won needs an amount, lost a reason; a closed deal reopens
//! only by a manager. Every accepted move becomes a stage change whose
//! durations add up to the deal's age.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

/// Fields a stage may require before a deal enters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirement {
    Amount,
    ExpectedCloseDate,
    Contact,
}

impl Requirement {
    pub const ALL: [Requirement; 3] = [
        Requirement::Amount,
        Requirement::ExpectedCloseDate,
        Requirement::Contact,
    ];

    pub fn field(self) -> &'static str {
        match self {
            Requirement::Amount => "amount",
            Requirement::ExpectedCloseDate => "expected_close_date",
            Requirement::Contact => "contact_id",
        }
    }

    pub fn parse(field: &str) -> Option<Requirement> {
        Requirement::ALL.into_iter().find(|r| r.field() == field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: i64,
    pub position: i32,
    pub kind: StageKind,
    pub requires: Vec<Requirement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub allow_skip: bool,
    pub allow_back: bool,
}

/// What the rule looks at of a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DealFacts {
    pub stage_id: i64,
    /// Amount in minor units, if known.
    pub amount: Option<i64>,
    pub has_expected_close_date: bool,
    pub has_contact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveRequest<'a> {
    pub to_stage: i64,
    pub lost_reason: Option<&'a str>,
    /// Managers and admins may reopen closed deals.
    pub by_manager: bool,
}

/// Why a move was refused; a refusal lists every reason that applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("stage {0} is not a stage of this deal's pipeline")]
    UnknownStage(i64),
    #[error("the deal is already in this stage")]
    SameStage,
    #[error("this pipeline does not allow skipping stages")]
    SkipNotAllowed,
    #[error("this pipeline does not allow moving back")]
    BackNotAllowed,
    #[error("entering this stage needs `{}`", .0.field())]
    Missing(Requirement),
    #[error("a won deal needs an amount greater than zero")]
    WonNeedsAmount,
    #[error("a lost deal needs a reason")]
    LostNeedsReason,
    #[error("only a manager reopens a closed deal")]
    ReopenNeedsManager,
    /// The current stage's exit criteria: its required checkpoints not yet checked, by label.
    #[error("check first: {}", .0.join(", "))]
    Unchecked(Vec<String>),
}

impl MoveError {
    /// The request field a client should fix.
    pub fn field(&self) -> &'static str {
        match self {
            MoveError::Missing(r) => r.field(),
            MoveError::WonNeedsAmount => "amount",
            MoveError::LostNeedsReason => "lost_reason",
            MoveError::Unchecked(_) => "checkpoints",
            _ => "to_stage_id",
        }
    }
}

/// The status a deal has in a stage of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Won,
    Lost,
}

impl From<StageKind> for Status {
    fn from(k: StageKind) -> Status {
        match k {
            StageKind::Open => Status::Open,
            StageKind::Won => Status::Won,
            StageKind::Lost => Status::Lost,
        }
    }
}

fn has(deal: &DealFacts, r: Requirement) -> bool {
    match r {
        Requirement::Amount => deal.amount.is_some_and(|a| a > 0),
        Requirement::ExpectedCloseDate => deal.has_expected_close_date,
        Requirement::Contact => deal.has_contact,
    }
}

/// An approved contract wins its deal: from any open stage straight to the
/// pipeline's won stage (the first by position), whatever the skip policy
/// and entry requirements, for the contract is the proof. `None` when the
/// deal is not open (already won, lost) or the pipeline has no won stage.
pub fn won_by_contract(stages: &[Stage], deal: &DealFacts) -> Option<i64> {
    let from = stages.iter().find(|s| s.id == deal.stage_id)?;
    if from.kind != StageKind::Open {
        return None;
    }
    stages
        .iter()
        .filter(|s| s.kind == StageKind::Won)
        .min_by_key(|s| (s.position, s.id))
        .map(|s| s.id)
}

/// Decides a requested move; on success the deal's new status.
pub fn transition(
    stages: &[Stage],
    policy: Policy,
    deal: &DealFacts,
    req: &MoveRequest<'_>,
) -> Result<Status, Vec<MoveError>> {
    let Some(to) = stages.iter().find(|s| s.id == req.to_stage) else {
        return Err(vec![MoveError::UnknownStage(req.to_stage)]);
    };
    let Some(from) = stages.iter().find(|s| s.id == deal.stage_id) else {
        return Err(vec![MoveError::UnknownStage(deal.stage_id)]);
    };
    if from.id == to.id {
        return Err(vec![MoveError::SameStage]);
    }
    let mut errors = Vec::new();
    let mut open: Vec<&Stage> = stages.iter().filter(|s| s.kind == StageKind::Open).collect();
    open.sort_by_key(|s| (s.position, s.id));
    let rank = |s: &Stage| open.iter().position(|o| o.id == s.id);
    let reopening = from.kind != StageKind::Open;
    if reopening && !req.by_manager {
        errors.push(MoveError::ReopenNeedsManager);
    }
    // the open stages a forward move passes through, the target included
    let passed: Vec<&Stage> = match (rank(from), rank(to), to.kind) {
        (Some(i), Some(j), _) if j < i => {
            if !policy.allow_back {
                errors.push(MoveError::BackNotAllowed);
            }
            vec![to]
        }
        (Some(i), Some(j), _) => {
            if j > i + 1 && !policy.allow_skip {
                errors.push(MoveError::SkipNotAllowed);
            }
            open[i + 1..=j].to_vec()
        }
        (Some(i), None, StageKind::Won) => {
            if i + 1 < open.len() && !policy.allow_skip {
                errors.push(MoveError::SkipNotAllowed);
            }
            open[i + 1..].iter().copied().chain(std::iter::once(to)).collect()
        }
        _ => vec![to], // to lost from anywhere, or reopening from a closed stage
    };
    let mut missing: Vec<Requirement> = passed
        .iter()
        .flat_map(|s| s.requires.iter().copied())
        .filter(|r| !has(deal, *r))
        .collect();
    missing.sort();
    missing.dedup();
    errors.extend(missing.into_iter().map(MoveError::Missing));
    match to.kind {
        StageKind::Won
            if !has(deal, Requirement::Amount) && !errors.contains(&MoveError::Missing(Requirement::Amount)) =>
        {
            errors.push(MoveError::WonNeedsAmount);
        }
        StageKind::Lost if req.lost_reason.is_none_or(|r| r.trim().is_empty()) => {
            errors.push(MoveError::LostNeedsReason)
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(to.kind.into())
    } else {
        Err(errors)
    }
}

/// [`transition`] with the current stage's exit criteria: a deal leaves an
/// open stage forward (to a later open stage, or won) only once that
/// stage's required checkpoints are checked; `unchecked` are the labels of
/// those that are not. Moving back, losing and reopening are never held.
pub fn transition_checked(
    stages: &[Stage],
    policy: Policy,
    deal: &DealFacts,
    req: &MoveRequest<'_>,
    unchecked: &[String],
) -> Result<Status, Vec<MoveError>> {
    let decided = transition(stages, policy, deal, req);
    let open_rank = |id: i64| {
        let mut open: Vec<&Stage> = stages.iter().filter(|s| s.kind == StageKind::Open).collect();
        open.sort_by_key(|s| (s.position, s.id));
        open.iter().position(|s| s.id == id)
    };
    let to = stages.iter().find(|s| s.id == req.to_stage);
    let forward = match (open_rank(deal.stage_id), to) {
        (Some(_), Some(t)) if t.kind == StageKind::Won => true,
        (Some(i), Some(t)) => open_rank(t.id).is_some_and(|j| j > i),
        _ => false,
    };
    if !forward || unchecked.is_empty() {
        return decided;
    }
    let held = MoveError::Unchecked(unchecked.to_vec());
    match decided {
        Ok(_) => Err(vec![held]),
        Err(mut errors) => {
            errors.push(held);
            Err(errors)
        }
    }
}

/// One accepted move, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageChange {
    pub from: Option<i64>,
    pub to: i64,
    pub at: DateTime<Utc>,
    /// Whole seconds spent in `from` (0 for the first entry).
    pub seconds_in_from: i64,
}

/// The stage change for entering `to` at `now` from a stage entered at `entered_at`.
pub fn stage_change(from: Option<(i64, DateTime<Utc>)>, to: i64, now: DateTime<Utc>) -> StageChange {
    StageChange {
        from: from.map(|(id, _)| id),
        to,
        at: now,
        seconds_in_from: from.map_or(0, |(_, entered)| (now - entered).num_seconds().max(0)),
    }
}

pub mod committee;
pub mod judgement;

#[cfg(test)]
mod tests;
