//! To-dos (待办), appointments (约见) and complaints (客户投诉): the rules of
//! their times and of a complaint's course.

use chrono::{DateTime, Duration, Utc};

use crate::vocabulary::{ComplaintStatus, TaskKind};

/// A rule a task's times break: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError {
    pub field: &'static str,
    pub message: &'static str,
}

/// The longest appointment (a trade fair, a trip): seven days.
pub const MAX_APPOINTMENT_DAYS: i64 = 7;
/// The earliest reminder: a week before.
pub const MAX_REMIND_MINUTES: i32 = 7 * 24 * 60;

/// The times of a task or appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Times {
    pub due_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub remind_minutes_before: Option<i32>,
}

/// A task is due at a time; an appointment starts and ends (after it
/// starts, within seven days) and has no due time. Either may lie in the
/// future (an activity may not) or the past (a late entry).
pub fn check_times(kind: TaskKind, t: &Times) -> Result<(), Vec<TimeError>> {
    let mut errors = Vec::new();
    let mut refuse = |field, message| errors.push(TimeError { field, message });
    match kind {
        TaskKind::Task => {
            if t.due_at.is_none() {
                refuse("due_at", "a task needs a due time");
            }
            if t.starts_at.is_some() || t.ends_at.is_some() {
                refuse("starts_at", "a task has a due time, not a start and an end");
            }
        }
        TaskKind::Appointment => {
            if t.due_at.is_some() {
                refuse("due_at", "an appointment has a start and an end, not a due time");
            }
            match (t.starts_at, t.ends_at) {
                (None, _) => refuse("starts_at", "an appointment needs a start"),
                (_, None) => refuse("ends_at", "an appointment needs an end"),
                (Some(s), Some(e)) if e <= s => refuse("ends_at", "an appointment ends after it starts"),
                (Some(s), Some(e)) if e - s > Duration::days(MAX_APPOINTMENT_DAYS) => {
                    refuse("ends_at", "an appointment lasts at most seven days")
                }
                _ => {}
            }
        }
    }
    if let Some(m) = t.remind_minutes_before
        && !(0..=MAX_REMIND_MINUTES).contains(&m)
    {
        refuse(
            "remind_minutes_before",
            "a reminder comes between 0 minutes and 7 days before",
        );
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// When it happens: the due time of a task, the start of an appointment.
pub fn at(t: &Times) -> Option<DateTime<Utc>> {
    t.due_at.or(t.starts_at)
}

/// When to remind the assignee, if a reminder was asked for.
pub fn remind_at(t: &Times) -> Option<DateTime<Utc>> {
    Some(at(t)? - Duration::minutes(i64::from(t.remind_minutes_before?)))
}

/// Why a complaint may not take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepError {
    /// Not a step of the course (e.g. open -> closed, anything from closed).
    NotAStep {
        from: ComplaintStatus,
        to: ComplaintStatus,
    },
    /// Resolving needs a resolution.
    ResolutionRequired,
    /// The customer's satisfaction (1-5) is taken when closing, only then.
    SatisfactionOnlyOnClosing,
    SatisfactionOutOfRange,
}

impl StepError {
    pub fn field(&self) -> &'static str {
        match self {
            StepError::NotAStep { .. } => "status",
            StepError::ResolutionRequired => "resolution",
            StepError::SatisfactionOnlyOnClosing | StepError::SatisfactionOutOfRange => "satisfaction",
        }
    }

    pub fn message(&self) -> String {
        match self {
            StepError::NotAStep { from, to } => format!(
                "a complaint goes open -> handling -> resolved -> closed (a resolved one may go back to handling); not {from} -> {to}"
            ),
            StepError::ResolutionRequired => "say how the complaint was resolved".into(),
            StepError::SatisfactionOnlyOnClosing => "the customer's satisfaction is given when closing".into(),
            StepError::SatisfactionOutOfRange => "satisfaction is 1 (very unhappy) to 5 (very happy)".into(),
        }
    }
}

/// May a complaint go from `from` to `to`? Forward one step at a time
/// (resolving straight from open is allowed for a quick fix); a resolved
/// complaint may be reopened (back to handling); a closed one is final.
pub fn step(
    from: ComplaintStatus,
    to: ComplaintStatus,
    has_resolution: bool,
    satisfaction: Option<i32>,
) -> Result<(), StepError> {
    use ComplaintStatus::*;
    let allowed = matches!(
        (from, to),
        (Open, Handling) | (Open, Resolved) | (Handling, Resolved) | (Resolved, Closed) | (Resolved, Handling)
    );
    if !allowed {
        return Err(StepError::NotAStep { from, to });
    }
    if to == Resolved && !has_resolution {
        return Err(StepError::ResolutionRequired);
    }
    match satisfaction {
        Some(_) if to != Closed => Err(StepError::SatisfactionOnlyOnClosing),
        Some(s) if !(1..=5).contains(&s) => Err(StepError::SatisfactionOutOfRange),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::vocabulary::ComplaintStatus::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn fields(r: Result<(), Vec<TimeError>>) -> Vec<&'static str> {
        r.err().unwrap_or_default().iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_task_is_due_and_an_appointment_starts_and_ends() {
        let task = Times {
            due_at: Some(t(1)),
            ..Times::default()
        };
        assert_eq!(check_times(TaskKind::Task, &task), Ok(()));
        assert_eq!(fields(check_times(TaskKind::Task, &Times::default())), ["due_at"]);
        assert_eq!(
            fields(check_times(TaskKind::Appointment, &task)),
            ["due_at", "starts_at"]
        );
        let meeting = Times {
            starts_at: Some(t(1)),
            ends_at: Some(t(2)),
            remind_minutes_before: Some(30),
            ..Times::default()
        };
        assert_eq!(check_times(TaskKind::Appointment, &meeting), Ok(()));
        assert_eq!(fields(check_times(TaskKind::Task, &meeting)), ["due_at", "starts_at"]);
        let backwards = Times {
            ends_at: Some(t(0)),
            ..meeting
        };
        assert_eq!(fields(check_times(TaskKind::Appointment, &backwards)), ["ends_at"]);
        let too_long = Times {
            ends_at: Some(t(1 + 24 * 7 + 1)),
            ..meeting
        };
        assert_eq!(fields(check_times(TaskKind::Appointment, &too_long)), ["ends_at"]);
        let early = Times {
            remind_minutes_before: Some(MAX_REMIND_MINUTES + 1),
            ..meeting
        };
        assert_eq!(
            fields(check_times(TaskKind::Appointment, &early)),
            ["remind_minutes_before"]
        );
    }

    #[test]
    fn reminders_come_before_the_time() {
        let meeting = Times {
            starts_at: Some(t(10)),
            ends_at: Some(t(11)),
            remind_minutes_before: Some(60),
            ..Times::default()
        };
        assert_eq!(remind_at(&meeting), Some(t(9)));
        assert_eq!(
            remind_at(&Times {
                remind_minutes_before: None,
                ..meeting
            }),
            None
        );
    }

    #[test]
    fn a_complaint_runs_its_course_and_closed_is_final() {
        assert_eq!(step(Open, Handling, false, None), Ok(()));
        assert_eq!(step(Handling, Resolved, true, None), Ok(()));
        assert_eq!(
            step(Handling, Resolved, false, None),
            Err(StepError::ResolutionRequired)
        );
        assert_eq!(step(Resolved, Closed, true, Some(4)), Ok(()));
        assert_eq!(step(Resolved, Handling, true, None), Ok(()));
        assert_eq!(
            step(Resolved, Closed, true, Some(6)),
            Err(StepError::SatisfactionOutOfRange)
        );
        assert_eq!(
            step(Handling, Resolved, true, Some(5)),
            Err(StepError::SatisfactionOnlyOnClosing)
        );
        for to in ComplaintStatus::ALL {
            assert!(matches!(step(Closed, *to, true, None), Err(StepError::NotAStep { .. })));
        }
        assert!(matches!(
            step(Open, Closed, true, None),
            Err(StepError::NotAStep { .. })
        ));
        assert!(matches!(
            step(Handling, Open, true, None),
            Err(StepError::NotAStep { .. })
        ));
    }
}
