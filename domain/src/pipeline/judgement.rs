//! The rep's own judgement of a deal (签单可能性): a win probability in place
//! of the stage's, and the forecast category the deal counts in. Set on open
//! deals only; a won deal counts as `closed`, a lost or invalid one in no
//! forecast. The forecast weighs every deal both ways, by its stage and by
//! its rep, so a manager sees where the two disagree.

use crate::problem::{ErrorCode, Refused};
use crate::vocabulary::{DealStatus, FieldCode, ForecastCategory};

/// What a rep says of a deal: their probability (`None`: the stage's
/// applies) and the category it counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub probability: Option<i32>,
    pub category: ForecastCategory,
}

/// Why a judgement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JudgementError {
    #[error("the deal is {0}: its forecast no longer changes")]
    Closed(DealStatus),
    #[error("a probability is a percentage from 0 to 100")]
    Probability,
    #[error("`closed` is a won deal's category, set by winning it")]
    Category,
}

impl From<JudgementError> for Refused {
    fn from(e: JudgementError) -> Refused {
        match e {
            JudgementError::Closed(_) => Refused::conflict(ErrorCode::DealClosed, e.to_string()),
            JudgementError::Probability => Refused::field("probability", FieldCode::Range, e.to_string()),
            JudgementError::Category => Refused::field("category", FieldCode::DependsOn, e.to_string()),
        }
    }
}

/// Checks what a rep says of a deal in `status`.
pub fn check(status: DealStatus, j: Judgement) -> Result<Judgement, JudgementError> {
    if status != DealStatus::Open {
        return Err(JudgementError::Closed(status));
    }
    if j.probability.is_some_and(|p| !(0..=100).contains(&p)) {
        return Err(JudgementError::Probability);
    }
    if j.category == ForecastCategory::Closed {
        return Err(JudgementError::Category);
    }
    Ok(j)
}

/// The category a deal counts in: a won deal `closed`, a lost or invalid
/// one `omitted`, an open one what its rep chose (by default `pipeline`).
pub fn category_of(status: DealStatus, chosen: Option<ForecastCategory>) -> ForecastCategory {
    match status {
        DealStatus::Won => ForecastCategory::Closed,
        DealStatus::Lost | DealStatus::Invalid => ForecastCategory::Omitted,
        DealStatus::Open => chosen.unwrap_or(ForecastCategory::Pipeline),
    }
}

/// The probability a deal is weighted with by its rep's reckoning: theirs,
/// else the stage's.
pub fn probability_of(rep: Option<i32>, stage: i32) -> i32 {
    rep.unwrap_or(stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OPEN: DealStatus = DealStatus::Open;

    fn j(probability: Option<i32>, category: ForecastCategory) -> Judgement {
        Judgement { probability, category }
    }

    #[test]
    fn only_open_deals_take_a_judgement() {
        for status in [DealStatus::Won, DealStatus::Lost, DealStatus::Invalid] {
            assert_eq!(
                check(status, j(Some(50), ForecastCategory::Commit)),
                Err(JudgementError::Closed(status))
            );
        }
        assert!(check(OPEN, j(None, ForecastCategory::Omitted)).is_ok());
    }

    #[test]
    fn closed_is_set_by_winning_only() {
        assert_eq!(
            check(OPEN, j(Some(90), ForecastCategory::Closed)),
            Err(JudgementError::Category)
        );
        assert_eq!(
            category_of(DealStatus::Won, Some(ForecastCategory::Commit)),
            ForecastCategory::Closed
        );
        assert_eq!(
            category_of(DealStatus::Lost, Some(ForecastCategory::Commit)),
            ForecastCategory::Omitted
        );
        assert_eq!(category_of(OPEN, None), ForecastCategory::Pipeline);
        assert_eq!(
            category_of(OPEN, Some(ForecastCategory::BestCase)),
            ForecastCategory::BestCase
        );
    }

    #[test]
    fn the_refusals_name_their_field_or_code() {
        assert!(matches!(
            Refused::from(JudgementError::Probability),
            Refused::Invalid { errors, .. } if errors[0].field == "probability"
        ));
        assert!(matches!(
            Refused::from(JudgementError::Closed(DealStatus::Won)),
            Refused::Conflict {
                code: ErrorCode::DealClosed,
                ..
            }
        ));
    }

    proptest! {
        #[test]
        fn a_probability_is_accepted_exactly_from_0_to_100(p in -1000i32..1000) {
            let ok = check(OPEN, j(Some(p), ForecastCategory::Pipeline)).is_ok();
            prop_assert_eq!(ok, (0..=100).contains(&p));
        }

        #[test]
        fn the_reps_probability_wins_over_the_stages(rep in proptest::option::of(0i32..=100), stage in 0i32..=100) {
            let p = probability_of(rep, stage);
            prop_assert_eq!(p, rep.unwrap_or(stage));
        }
    }
}
