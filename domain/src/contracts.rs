//! Contracts (合同) and collections (回款): which state allows what, when a
//! contract needs approval, how much may still be collected, and where a
//! payment plan stands.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::vocabulary::{ContractStatus, PlanStatus};

/// The organisation's contract rules, edited by an admin over REST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPolicy {
    /// The organisation's one currency (ISO 4217); other currencies are refused.
    pub currency: String,
    /// Contracts above this amount (minor units) need a manager's approval;
    /// those at or below it are approved when submitted.
    pub approval_above: i64,
}

/// An amount in another currency than the organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongCurrency {
    /// The organisation's currency.
    pub expected: String,
}

impl ContractPolicy {
    /// Is `currency` (an ISO 4217 code, read in capitals) the organisation's?
    /// Contracts, their instalments, payments and product prices all are.
    pub fn check_currency(&self, currency: &str) -> Result<(), WrongCurrency> {
        if currency == self.currency {
            Ok(())
        } else {
            Err(WrongCurrency {
                expected: self.currency.clone(),
            })
        }
    }
}

impl Default for ContractPolicy {
    fn default() -> Self {
        ContractPolicy {
            currency: "CNY".to_owned(),
            approval_above: 0,
        }
    }
}

impl ContractPolicy {
    /// The setting out of range, if any: (field, why).
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let c = &self.currency;
        if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
            return Err(("currency", "a currency is three capital letters (ISO 4217), e.g. CNY"));
        }
        if self.approval_above < 0 {
            return Err(("approval_above", "the approval threshold is never negative"));
        }
        Ok(())
    }

    /// What submitting a contract of `amount` leads to.
    pub fn on_submit(&self, amount: i64) -> ContractStatus {
        if amount > self.approval_above {
            ContractStatus::PendingApproval
        } else {
            ContractStatus::Approved
        }
    }
}

/// A step a contract's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllowed {
    pub status: ContractStatus,
    pub action: &'static str,
}

impl NotAllowed {
    pub fn message(&self) -> String {
        format!("a contract that is {} cannot be {}", self.status, self.action)
    }
}

fn allow(ok: bool, status: ContractStatus, action: &'static str) -> Result<(), NotAllowed> {
    if ok { Ok(()) } else { Err(NotAllowed { status, action }) }
}

/// Only drafts are edited.
pub fn may_edit(s: ContractStatus) -> Result<(), NotAllowed> {
    allow(s == ContractStatus::Draft, s, "edited")
}

/// Drafts (and rejected contracts, once revised) are submitted.
pub fn may_submit(s: ContractStatus) -> Result<(), NotAllowed> {
    allow(
        matches!(s, ContractStatus::Draft | ContractStatus::Rejected),
        s,
        "submitted",
    )
}

/// Approval and rejection decide a pending contract.
pub fn may_decide(s: ContractStatus) -> Result<(), NotAllowed> {
    allow(s == ContractStatus::PendingApproval, s, "approved or rejected")
}

/// Anything not cancelled may be cancelled, except an approved contract
/// with payments (its money is real).
pub fn may_cancel(s: ContractStatus, has_payments: bool) -> Result<(), NotAllowed> {
    allow(s != ContractStatus::Cancelled && !has_payments, s, "cancelled")
}

/// Payments are taken on approved contracts only.
pub fn may_collect(s: ContractStatus) -> Result<(), NotAllowed> {
    allow(s == ContractStatus::Approved, s, "paid against")
}

/// A payment that would collect more than the contract: what is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overpayment {
    pub open: i64,
}

/// May `amount` be collected on a contract of `total` with `collected` so far?
pub fn may_pay(total: i64, collected: i64, amount: i64) -> Result<(), Overpayment> {
    let open = total - collected;
    if amount <= open {
        Ok(())
    } else {
        Err(Overpayment { open: open.max(0) })
    }
}

/// A payment dated after today (in the organisation's time zone): money is
/// recorded once it has been received, never ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotYetReceived;

pub fn may_record_received(received_on: NaiveDate, today: NaiveDate) -> Result<(), NotYetReceived> {
    if received_on <= today {
        Ok(())
    } else {
        Err(NotYetReceived)
    }
}

/// Where a plan stands: void on a cancelled contract; paid when its
/// payments cover it; overdue when its date has passed; partial when some
/// is paid; else pending.
pub fn plan_status(amount: i64, paid: i64, due_on: NaiveDate, today: NaiveDate, cancelled: bool) -> PlanStatus {
    if cancelled {
        PlanStatus::Void
    } else if paid >= amount {
        PlanStatus::Paid
    } else if due_on < today {
        PlanStatus::Overdue
    } else if paid > 0 {
        PlanStatus::Partial
    } else {
        PlanStatus::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::ContractStatus::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default()
    }

    #[test]
    fn only_drafts_are_edited_and_only_pending_ones_decided() {
        assert_eq!(may_edit(Draft), Ok(()));
        for s in [PendingApproval, Approved, Rejected, Cancelled] {
            assert!(may_edit(s).is_err(), "{s}");
        }
        assert_eq!(may_decide(PendingApproval), Ok(()));
        assert!(may_decide(Draft).is_err());
        assert_eq!(may_submit(Rejected), Ok(()));
        assert!(may_submit(Approved).is_err());
        assert_eq!(may_cancel(Approved, false), Ok(()));
        assert!(may_cancel(Approved, true).is_err());
        assert!(may_cancel(Cancelled, false).is_err());
        assert_eq!(may_collect(Approved), Ok(()));
        assert!(may_collect(PendingApproval).is_err());
        assert_eq!(
            may_edit(Approved).map_err(|e| e.message()),
            Err("a contract that is approved cannot be edited".to_owned())
        );
    }

    #[test]
    fn contracts_above_the_threshold_wait_for_approval() {
        let p = ContractPolicy {
            approval_above: 1_000_000,
            ..ContractPolicy::default()
        };
        assert_eq!(p.on_submit(1_000_000), Approved);
        assert_eq!(p.on_submit(1_000_001), PendingApproval);
        assert_eq!(ContractPolicy::default().on_submit(1), PendingApproval);
        assert_eq!(p.check(), Ok(()));
        let bad = ContractPolicy {
            currency: "cny".into(),
            ..p
        };
        assert_eq!(bad.check().map_err(|e| e.0), Err("currency"));
    }

    #[test]
    fn never_more_than_the_contract_is_collected() {
        let policy = ContractPolicy::default();
        assert_eq!(policy.check_currency(&policy.currency), Ok(()));
        assert_eq!(
            policy.check_currency("USD").map_err(|w| w.expected == policy.currency),
            Err(true)
        );
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date");
        assert_eq!(may_record_received(today, today), Ok(()));
        assert_eq!(
            may_record_received(today.succ_opt().expect("a date"), today),
            Err(NotYetReceived)
        );
        assert_eq!(may_pay(100, 60, 40), Ok(()));
        assert_eq!(may_pay(100, 60, 41), Err(Overpayment { open: 40 }));
        assert_eq!(may_pay(100, 100, 1), Err(Overpayment { open: 0 }));
    }

    #[test]
    fn a_plan_is_pending_partial_paid_overdue_or_void() {
        assert_eq!(plan_status(100, 0, d(10), d(5), false), PlanStatus::Pending);
        assert_eq!(plan_status(100, 30, d(10), d(5), false), PlanStatus::Partial);
        assert_eq!(plan_status(100, 100, d(10), d(20), false), PlanStatus::Paid);
        assert_eq!(plan_status(100, 30, d(10), d(11), false), PlanStatus::Overdue);
        assert_eq!(plan_status(100, 0, d(10), d(10), false), PlanStatus::Pending);
        assert_eq!(plan_status(100, 0, d(10), d(5), true), PlanStatus::Void);
    }
}
