//! The words records are stored with: each a closed list whose `FromStr`
//! fails on anything else, so an unknown stored value is reported as a fault
//! instead of silently read as a default (`New`, `Other`, `Open`).

use std::fmt;

/// A stored or sent value that is none of a word's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a known {kind}")]
pub struct UnknownWord {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! words {
    ($($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? })+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<$name, UnknownWord> {
                $name::ALL.iter().copied().find(|w| w.as_str() == s).ok_or_else(|| UnknownWord {
                    kind: stringify!($name),
                    value: s.to_owned(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

words! {
    /// A calendar period reports and targets are cut by; weeks run Monday to Sunday.
    Period {
        Day = "day",
        Week = "week",
        Month = "month",
        Quarter = "quarter",
        Year = "year",
    }
    /// A work report's (日报/周报/月报) period.
    WorkReportKind {
        Daily = "daily",
        Weekly = "weekly",
        Monthly = "monthly",
    }
    /// A work report is written as a draft, then submitted (and frozen).
    WorkReportStatus {
        Draft = "draft",
        Submitted = "submitted",
    }
    /// What a target (业绩目标) measures.
    Metric {
        ContractAmount = "contract_amount",
        PaymentAmount = "payment_amount",
        NewCustomers = "new_customers",
    }

    /// Where a contract (合同) stands.
    ContractStatus {
        Draft = "draft",
        PendingApproval = "pending_approval",
        Approved = "approved",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }

    /// Where a payment plan (回款计划) stands, derived from payments and today.
    PlanStatus {
        Pending = "pending",
        Partial = "partial",
        Paid = "paid",
        Overdue = "overdue",
        Void = "void",
    }

    /// A to-do (待办) or an appointment (约见).
    TaskKind {
        Task = "task",
        Appointment = "appointment",
    }

    /// How bad a complaint (客户投诉) is.
    Severity {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }

    /// Where a complaint stands: open -> handling -> resolved -> closed.
    ComplaintStatus {
        Open = "open",
        Handling = "handling",
        Resolved = "resolved",
        Closed = "closed",
    }

    /// A customer's intent or buying power, as judged on a visit (seed 004).
    Level {
        High = "high",
        Medium = "medium",
        Low = "low",
    }

    /// Where a lead (线索) stands.
    LeadStatus {
        New = "new",
        Contacted = "contacted",
        Qualified = "qualified",
        Converted = "converted",
        Disqualified = "disqualified",
    }
    /// What kind of follow-up (跟进) an activity was.
    ActivityKind {
        Call = "call",
        Email = "email",
        Meeting = "meeting",
        Visit = "visit",
        Wechat = "wechat",
        Note = "note",
    }
    /// A contact's part in the buying decision (KP).
    KpRole {
        DecisionMaker = "decision_maker",
        Recommender = "recommender",
        Influencer = "influencer",
        User = "user",
        Other = "other",
    }
    /// What a customer's team member (协作人) may do.
    MemberAccess {
        ReadWrite = "read_write",
        ReadOnly = "read_only",
    }
    /// Where a deal (商机) stands.
    DealStatus {
        Open = "open",
        Won = "won",
        Lost = "lost",
        Invalid = "invalid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<W: Copy + PartialEq + fmt::Debug + std::str::FromStr<Err = UnknownWord>>(
        all: &[W],
        text: fn(W) -> &'static str,
    ) {
        for w in all {
            assert_eq!(text(*w).parse::<W>(), Ok(*w));
        }
        assert!("".parse::<W>().is_err());
        assert!(
            "NEW".parse::<W>().is_err(),
            "case matters: stored values are lower case"
        );
    }

    #[test]
    fn every_word_round_trips_and_nothing_else_parses() {
        round_trips(LeadStatus::ALL, LeadStatus::as_str);
        round_trips(ActivityKind::ALL, ActivityKind::as_str);
        round_trips(KpRole::ALL, KpRole::as_str);
        round_trips(MemberAccess::ALL, MemberAccess::as_str);
        round_trips(DealStatus::ALL, DealStatus::as_str);
        assert_eq!(
            "maybe".parse::<DealStatus>(),
            Err(UnknownWord {
                kind: "DealStatus",
                value: "maybe".into()
            })
        );
    }
}
