//! Why a contract operation refused, and the answer each refusal is.

use domain::contracts::NotAllowed;

use crate::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("no such record in your scope")]
    NotFound,
    #[error("you may read this customer but not sign contracts on it")]
    ReadOnly,
    #[error("deal {0} is not a deal of this customer")]
    NoSuchDeal(i64),
    #[error("amounts are in {expected}, the organisation's currency")]
    Currency { expected: String },
    /// Instalment `index` of a payment plan is not in the organisation's currency.
    #[error("amounts are in {expected}, the organisation's currency")]
    PlanCurrency { index: usize, expected: String },
    /// Custom field values the definitions refuse, each naming its field.
    #[error("custom field values refused")]
    CustomFields(Vec<domain::custom_fields::Refusal>),
    #[error("a contract ends on or after the day it starts")]
    Dates,
    #[error("{}", .0.message())]
    State(NotAllowed),
    #[error("only a manager of the owner's department or an admin decides this contract")]
    NotApprover,
    #[error("the payment plans add up to {sum}, not the contract's {total}")]
    PlansDoNotAddUp { total: i64, sum: i64, difference: i64 },
    #[error("plan {0} is not a plan of this contract")]
    NoSuchPlan(i64),
    #[error("only {open} is still open on this contract")]
    Overpayment { open: i64 },
    #[error("only {open} is still open on this instalment")]
    PlanOverpayment { open: i64 },
    #[error("a payment is recorded on or after the day it is received")]
    NotYetReceived,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for ContractError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use ContractError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("contract"),
            E::ReadOnly => Refused::forbidden("you may read this customer but not sign contracts on it"),
            E::NoSuchDeal(id) => Refused::field(
                "opportunity_id",
                FieldCode::NotFound,
                format!("deal {id} is not a deal of this customer"),
            ),
            E::Currency { expected } => Refused::field(
                "amount.currency",
                FieldCode::OrganisationCurrency,
                format!("amounts are in {expected}, the organisation's currency"),
            ),
            E::PlanCurrency { index, expected } => Refused::field(
                format!("plans.{index}.amount.currency"),
                FieldCode::OrganisationCurrency,
                format!("amounts are in {expected}, the organisation's currency"),
            ),
            E::CustomFields(refusals) => Refused::fields(refusals),
            E::Dates => Refused::field("ends_on", FieldCode::Range, "a contract ends on or after it starts"),
            E::State(s) => Refused::conflict(ErrorCode::ContractState, s.message()),
            E::NotApprover => {
                Refused::forbidden("only a manager of the owner's department or an admin decides this contract")
            }
            E::PlansDoNotAddUp { total, sum, difference } => Refused::field(
                "plans",
                FieldCode::DoesNotAddUp,
                format!("the plans add up to {sum}, not the contract's {total} (difference {difference})"),
            )
            .with_context(serde_json::json!({ "total": total, "sum": sum, "difference": difference })),
            E::NoSuchPlan(id) => Refused::field(
                "plan_id",
                FieldCode::NotFound,
                format!("plan {id} is not a plan of this contract"),
            ),
            E::Overpayment { open } => Refused::field(
                "amount.amount",
                FieldCode::Overpayment,
                format!("only {open} is still open on this contract"),
            )
            .with_context(serde_json::json!({ "open": open })),
            E::PlanOverpayment { open } => Refused::field(
                "amount.amount",
                FieldCode::Overpayment,
                format!("only {open} is still open on this instalment"),
            )
            .with_context(serde_json::json!({ "open": open })),
            E::NotYetReceived => Refused::field(
                "received_on",
                FieldCode::Future,
                "a payment is recorded once received: today or earlier, in the organisation's time zone",
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for ContractError {
    fn from(e: diesel::result::Error) -> Self {
        ContractError::Repo(e.into())
    }
}
