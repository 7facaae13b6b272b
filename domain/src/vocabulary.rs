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
    /// Where a rep puts a deal in the forecast (Salesforce's forecast
    /// categories): `pipeline` (the default), `best_case`, `commit`, or
    /// `omitted` (counted in its category only); `closed` is a won
    /// deal's, set by winning it.
    #[derive(serde::Serialize, serde::Deserialize, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    ForecastCategory {
        Pipeline = "pipeline",
        BestCase = "best_case",
        Commit = "commit",
        Closed = "closed",
        Omitted = "omitted",
    }
    /// Why a field of a request was refused: the stable `code` of each entry
    /// of a problem's `errors`, one enum for every rule that refuses a field,
    /// listed in the document as the schema's `enum`. The shape of a value,
    /// which the document states (`required`, `invalid_type`, `length`,
    /// `range`, `format`, ...), or what only the stored data can say
    /// (`not_found`, `taken`, `depends_on`, `relation`, ...).
    #[derive(serde::Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    FieldCode {
    // A field the request must have.
    Required = "required",
    // A field the request may not have.
    UnknownField = "unknown_field",
    // A value of another JSON type than the document says.
    InvalidType = "invalid_type",
    // A value outside the list the document gives.
    UnknownValue = "unknown_value",
    // Text too short or too long, or a list with too few or too many items.
    Length = "length",
    // A number or date outside its bounds.
    Range = "range",
    // Text that is not written as the document says (a date, a month, a URL, a scope).
    Format = "format",
    // Not a telephone number.
    Phone = "phone",
    // Not an e-mail address.
    Email = "email",
    // Not an http(s) URL.
    Url = "url",
    // A URL whose host is one the server does not send to: loopback, private,
    // link-local, unique-local or unspecified, as written or as resolved.
    Address = "address",
    // Not a unified social credit code (统一社会信用代码).
    CreditCode = "credit_code",
    // A check digit that does not match.
    Checksum = "checksum",
    // Text holding a NUL character.
    NulCharacter = "nul_character",
    // Not a three-letter ISO 4217 currency code.
    Currency = "currency",
    // An amount in another currency than the organisation's.
    OrganisationCurrency = "organisation_currency",
    // A time zone the server does not know.
    TimeZone = "time_zone",
    // A password the policy refuses.
    PasswordPolicy = "password_policy",
    // A body that is not JSON where JSON was expected.
    MalformedJson = "malformed_json",
    // A CSV body or row that cannot be read.
    MalformedCsv = "malformed_csv",
    // A value the field's rules refuse otherwise (an unreadable cursor, a
    // filter that does not fit its field, an import row that cannot be read).
    Invalid = "invalid",
    // A referenced record, dictionary entry, option or custom field that does not exist.
    NotFound = "not_found",
    // An option a select field does not offer.
    UnknownOption = "unknown_option",
    // A value another record already holds.
    Taken = "taken",
    // A field that needs another, or is measured against another.
    DependsOn = "depends_on",
    // Values that must agree, such as ascending tiers.
    Relation = "relation",
    // Exactly one of several fields must be given.
    OneOf = "one_of",
    // Parts that must add up to a whole and do not.
    DoesNotAddUp = "does_not_add_up",
    // A payment larger than what is still open.
    Overpayment = "overpayment",
    // A move the record's state does not allow.
    Transition = "transition",
    // A department tree that would loop.
    Tree = "tree",
    // A record that is not one of the named user's.
    NotOwned = "not_owned",
    // The record's owner, where someone else is needed (a member besides the owner).
    Owner = "owner",
    // A deal that is still open where a closed one is needed.
    Open = "open",
    // A time in the future where a past one is needed.
    Future = "future",
    // A value the caller may not set (an owner outside their reach).
    NotAllowed = "not_allowed",
    // A rep's limit of owned or locked customers, or of claims a day, reached.
    LimitReached = "limit_reached",
    // A daily cap on reads or exported rows reached.
    Cap = "cap",
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

    #[test]
    fn each_code_reads_back_and_serialises_as_its_text() {
        for code in FieldCode::ALL {
            assert_eq!(code.as_str().parse::<FieldCode>(), Ok(*code));
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
        assert!("invalid_format".parse::<FieldCode>().is_err());
    }
}
