//! The buying committee (识别KP, #41 item 4): the customer's people on a
//! deal with their role in it and their stance. From the first stage the
//! admin marks as needing one, a deal with no decision maker identified is
//! flagged.

use super::{Stage, StageKind};

/// Does a deal in `deal_stage` need a decision maker it lacks? From the
/// first open stage (by position) marked `needs_decision_maker` on, and
/// only while the deal is open.
pub fn lacks_decision_maker(stages: &[(Stage, bool)], deal_stage: i64, has_decision_maker: bool) -> bool {
    if has_decision_maker {
        return false;
    }
    let Some((at, _)) = stages.iter().find(|(s, _)| s.id == deal_stage) else {
        return false;
    };
    if at.kind != StageKind::Open {
        return false;
    }
    stages
        .iter()
        .filter(|(s, needs)| *needs && s.kind == StageKind::Open)
        .map(|(s, _)| (s.position, s.id))
        .min()
        .is_some_and(|first| (at.position, at.id) >= first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(id: i64, kind: StageKind, needs: bool) -> (Stage, bool) {
        (
            Stage {
                id,
                position: i32::try_from(id).unwrap_or(0) * 10,
                kind,
                requires: vec![],
            },
            needs,
        )
    }

    #[test]
    fn from_the_marked_stage_on_an_open_deal_needs_a_decision_maker() {
        let stages = [
            stage(1, StageKind::Open, false),
            stage(2, StageKind::Open, false),
            stage(3, StageKind::Open, true),
            stage(4, StageKind::Open, false),
            stage(5, StageKind::Won, false),
        ];
        assert!(!lacks_decision_maker(&stages, 2, false));
        assert!(lacks_decision_maker(&stages, 3, false));
        assert!(lacks_decision_maker(&stages, 4, false), "and every later stage");
        assert!(!lacks_decision_maker(&stages, 4, true));
        assert!(
            !lacks_decision_maker(&stages, 5, false),
            "a won deal is no longer flagged"
        );
        let none_marked = [stage(1, StageKind::Open, false), stage(2, StageKind::Open, false)];
        assert!(!lacks_decision_maker(&none_marked, 2, false));
    }
}
