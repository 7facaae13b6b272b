//! Business events: what webhooks deliver and the managers' change feed
//! shows, the rule of which subscription wants which event, the retry
//! schedule of a failing delivery, and the text a chat robot posts.

use std::fmt;
use std::str::FromStr;

/// Every event a subscription may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    CustomerCreated,
    CustomerOwnerChanged,
    CustomerReturnedToPool,
    LeadCreated,
    LeadAssigned,
    DealStageChanged,
    DealWon,
    DealLost,
    DealProbabilityChanged,
    DealCommented,
    DealHelpWanted,
    ContractSubmitted,
    ContractApproved,
    PaymentReceived,
    PaymentOverdue,
    TaskDue,
}

impl EventKind {
    pub const ALL: [EventKind; 16] = [
        EventKind::CustomerCreated,
        EventKind::CustomerOwnerChanged,
        EventKind::CustomerReturnedToPool,
        EventKind::LeadCreated,
        EventKind::LeadAssigned,
        EventKind::DealStageChanged,
        EventKind::DealWon,
        EventKind::DealLost,
        EventKind::DealProbabilityChanged,
        EventKind::DealCommented,
        EventKind::DealHelpWanted,
        EventKind::ContractSubmitted,
        EventKind::ContractApproved,
        EventKind::PaymentReceived,
        EventKind::PaymentOverdue,
        EventKind::TaskDue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CustomerCreated => "customer.created",
            EventKind::CustomerOwnerChanged => "customer.owner_changed",
            EventKind::CustomerReturnedToPool => "customer.returned_to_pool",
            EventKind::LeadCreated => "lead.created",
            EventKind::LeadAssigned => "lead.assigned",
            EventKind::DealStageChanged => "deal.stage_changed",
            EventKind::DealWon => "deal.won",
            EventKind::DealLost => "deal.lost",
            EventKind::DealProbabilityChanged => "deal.probability_changed",
            EventKind::DealCommented => "deal.commented",
            EventKind::DealHelpWanted => "deal.help_wanted",
            EventKind::ContractSubmitted => "contract.submitted",
            EventKind::ContractApproved => "contract.approved",
            EventKind::PaymentReceived => "payment.received",
            EventKind::PaymentOverdue => "payment.overdue",
            EventKind::TaskDue => "task.due",
        }
    }

    /// Shown in the managers' change feed (the rest only go to webhooks,
    /// and are stored only when a subscription wants them).
    pub fn in_feed(self) -> bool {
        matches!(
            self,
            EventKind::CustomerOwnerChanged
                | EventKind::CustomerReturnedToPool
                | EventKind::DealWon
                | EventKind::DealLost
                | EventKind::DealCommented
                | EventKind::DealHelpWanted
                | EventKind::ContractSubmitted
                | EventKind::PaymentOverdue
        )
    }

    /// The Chinese heading a chat robot and the feed show.
    pub fn title_zh(self) -> &'static str {
        match self {
            EventKind::CustomerCreated => "新客户",
            EventKind::CustomerOwnerChanged => "客户负责人变更",
            EventKind::CustomerReturnedToPool => "客户退回公海",
            EventKind::LeadCreated => "新线索",
            EventKind::LeadAssigned => "线索已分配",
            EventKind::DealStageChanged => "商机阶段变更",
            EventKind::DealWon => "商机赢单",
            EventKind::DealLost => "商机输单",
            EventKind::DealProbabilityChanged => "商机赢率调整",
            EventKind::DealCommented => "商机辅导评论",
            EventKind::DealHelpWanted => "商机求助",
            EventKind::ContractSubmitted => "合同待审批",
            EventKind::ContractApproved => "合同已审批",
            EventKind::PaymentReceived => "收到回款",
            EventKind::PaymentOverdue => "回款逾期",
            EventKind::TaskDue => "待办到期",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event `{0}`")]
pub struct UnknownEvent(pub String);

impl FromStr for EventKind {
    type Err = UnknownEvent;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEvent(s.to_owned()))
    }
}

/// Where a subscription sends: a signed JSON POST, or a chat group robot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Http,
    WeCom,
    DingTalk,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Http, Target::WeCom, Target::DingTalk];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Http => "http",
            Target::WeCom => "wecom",
            Target::DingTalk => "dingtalk",
        }
    }
}

impl FromStr for Target {
    type Err = UnknownEvent;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "http" => Ok(Target::Http),
            "wecom" => Ok(Target::WeCom),
            "dingtalk" => Ok(Target::DingTalk),
            other => Err(UnknownEvent(other.to_owned())),
        }
    }
}

/// What a subscription listens to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    pub events: Vec<EventKind>,
    /// Only events of records owned in these departments (a subtree, resolved).
    pub departments: Option<Vec<i64>>,
    /// Only events of records this user owns.
    pub owner_id: Option<i64>,
}

impl Interest {
    /// Does this subscription want `kind` about a record owned by `owner`
    /// (in `department`)? A filtered subscription never gets unowned records.
    pub fn wants(&self, kind: EventKind, owner: Option<i64>, department: Option<i64>) -> bool {
        self.events.contains(&kind)
            && self.owner_id.is_none_or(|o| owner == Some(o))
            && self
                .departments
                .as_ref()
                .is_none_or(|ds| department.is_some_and(|d| ds.contains(&d)))
    }
}

/// How a failing delivery is retried: exponential from `base`, each wait at
/// most `cap`, `max_attempts` attempts in all (the defaults span a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: chrono::Duration,
    pub cap: chrono::Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 30 s, 1, 2, 4 ... minutes, then hourly: 30 attempts cover about 24 hours.
    fn default() -> Self {
        RetryPolicy {
            base: chrono::Duration::seconds(30),
            cap: chrono::Duration::hours(1),
            max_attempts: 30,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt, or `None` when it was
    /// the last one.
    pub fn wait_after(&self, attempts: u32) -> Option<chrono::Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doubling = 1i32.checked_shl(attempts.saturating_sub(1).min(30)).unwrap_or(i32::MAX);
        Some((self.base * doubling).min(self.cap).max(chrono::Duration::zero()))
    }

    /// The time from the first attempt to the last.
    pub fn span(&self) -> chrono::Duration {
        (1..self.max_attempts).filter_map(|a| self.wait_after(a)).sum()
    }
}

/// A chat robot's message: a title and markdown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotMessage {
    pub title: String,
    pub text: String,
}

/// The message a WeCom or DingTalk group robot posts for an event: the
/// heading, the summary, and the time in the organisation's zone.
pub fn robot_message(kind: EventKind, summary: &str, local_time: &str) -> RobotMessage {
    let title = kind.title_zh().to_owned();
    let text = format!(
        "### {title}\n> {}\n\n<font color=\"comment\">{local_time}</font>",
        summary.replace('\n', " ")
    );
    RobotMessage { title, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_fails() {
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
            assert!(!k.title_zh().is_ascii());
        }
        assert!("customer.deleted".parse::<EventKind>().is_err());
        assert_eq!("wecom".parse::<Target>(), Ok(Target::WeCom));
        assert!("slack".parse::<Target>().is_err());
    }

    #[test]
    fn interest_filters_by_event_owner_and_department() {
        let all = Interest {
            events: vec![EventKind::DealWon],
            departments: None,
            owner_id: None,
        };
        assert!(all.wants(EventKind::DealWon, None, None));
        assert!(!all.wants(EventKind::DealLost, Some(1), Some(2)));
        let team = Interest {
            departments: Some(vec![2, 3]),
            ..all.clone()
        };
        assert!(team.wants(EventKind::DealWon, Some(9), Some(3)));
        assert!(!team.wants(EventKind::DealWon, Some(9), Some(4)));
        assert!(!team.wants(EventKind::DealWon, None, None));
        let mine = Interest {
            owner_id: Some(9),
            ..all
        };
        assert!(mine.wants(EventKind::DealWon, Some(9), None));
        assert!(!mine.wants(EventKind::DealWon, Some(8), None));
        assert!(!mine.wants(EventKind::DealWon, None, None));
    }

    #[test]
    fn the_default_schedule_doubles_to_hourly_over_about_a_day() {
        let p = RetryPolicy::default();
        let waits: Vec<i64> = (1..=8)
            .filter_map(|a| p.wait_after(a))
            .map(|d| d.num_seconds())
            .collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert_eq!(p.wait_after(29).map(|d| d.num_seconds()), Some(3600));
        assert_eq!(p.wait_after(30), None);
        let hours = p.span().num_minutes() as f64 / 60.0;
        assert!((20.0..=26.0).contains(&hours), "{hours} h");
    }

    #[test]
    fn waits_never_shrink_and_stop_at_the_cap() {
        for base in [1, 7, 30, 600] {
            let p = RetryPolicy {
                base: chrono::Duration::seconds(base),
                cap: chrono::Duration::seconds(3600),
                max_attempts: 100,
            };
            let mut last = chrono::Duration::zero();
            for a in 1..100 {
                let w = p.wait_after(a).expect("within max");
                assert!(w >= last && w <= p.cap, "base {base} attempt {a}");
                last = w;
            }
            assert_eq!(p.wait_after(100), None);
        }
    }

    #[test]
    fn robot_text_has_heading_summary_and_time() {
        let m = robot_message(
            EventKind::CustomerOwnerChanged,
            "客户「华为」由 张三 转给 李四\n备注",
            "2026-11-28 09:00",
        );
        assert_eq!(m.title, "客户负责人变更");
        assert!(
            m.text
                .starts_with("### 客户负责人变更\n> 客户「华为」由 张三 转给 李四 备注")
        );
        assert!(m.text.contains("2026-11-28 09:00"));
    }
}
