//! Why a field of a request was refused: the stable, machine-readable `code`
//! of each entry of a problem's `errors`. One enum for every rule that
//! refuses a field (in domain, in persistence's operations, in the API's
//! readers), listed in the document as the schema's `enum`, so a client can
//! match on every code the server sends and no code is a free string.

use serde::{Deserialize, Serialize};

macro_rules! field_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)+) => {
        /// Why a field was refused. The shape of a value, which the document
        /// states (`required`, `unknown_field`, `invalid_type`, `length`,
        /// `range`, `format`, ...), or what only the stored data can say
        /// (`not_found`, `taken`, `depends_on`, `relation`, ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum FieldCode {
            $($(#[$doc])* $variant,)+
        }

        impl FieldCode {
            pub const ALL: &'static [FieldCode] = &[$(FieldCode::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for FieldCode {
            type Err = String;
            fn from_str(s: &str) -> Result<FieldCode, String> {
                match s {
                    $($text => Ok(FieldCode::$variant),)+
                    other => Err(format!("`{other}` is not a field code")),
                }
            }
        }
    };
}

field_codes! {
    /// A field the request must have.
    Required = "required",
    /// A field the request may not have.
    UnknownField = "unknown_field",
    /// A value of another JSON type than the document says.
    InvalidType = "invalid_type",
    /// A value outside the list the document gives.
    UnknownValue = "unknown_value",
    /// Text too short or too long, or a list with too few or too many items.
    Length = "length",
    /// A number or date outside its bounds.
    Range = "range",
    /// Text that is not written as the document says (a date, a month, a URL, a scope).
    Format = "format",
    /// Not a telephone number.
    Phone = "phone",
    /// Not an e-mail address.
    Email = "email",
    /// Not an http(s) URL.
    Url = "url",
    /// Not a unified social credit code (统一社会信用代码).
    CreditCode = "credit_code",
    /// A check digit that does not match.
    Checksum = "checksum",
    /// Text holding a NUL character.
    NulCharacter = "nul_character",
    /// Not a three-letter ISO 4217 currency code.
    Currency = "currency",
    /// An amount in another currency than the organisation's.
    OrganisationCurrency = "organisation_currency",
    /// A time zone the server does not know.
    TimeZone = "time_zone",
    /// A password the policy refuses.
    PasswordPolicy = "password_policy",
    /// A body that is not JSON where JSON was expected.
    MalformedJson = "malformed_json",
    /// A CSV body or row that cannot be read.
    MalformedCsv = "malformed_csv",
    /// A value the field's rules refuse otherwise (an unreadable cursor, a
    /// filter that does not fit its field, an import row that cannot be read).
    Invalid = "invalid",
    /// A referenced record, dictionary entry, option or custom field that does not exist.
    NotFound = "not_found",
    /// An option a select field does not offer.
    UnknownOption = "unknown_option",
    /// A value another record already holds.
    Taken = "taken",
    /// A field that needs another, or is measured against another.
    DependsOn = "depends_on",
    /// Values that must agree, such as ascending tiers.
    Relation = "relation",
    /// Exactly one of several fields must be given.
    OneOf = "one_of",
    /// Parts that must add up to a whole and do not.
    DoesNotAddUp = "does_not_add_up",
    /// A payment larger than what is still open.
    Overpayment = "overpayment",
    /// A move the record's state does not allow.
    Transition = "transition",
    /// A department tree that would loop.
    Tree = "tree",
    /// A record that is not one of the named user's.
    NotOwned = "not_owned",
    /// The record's owner, where someone else is needed (a member besides the owner).
    Owner = "owner",
    /// A deal that is still open where a closed one is needed.
    Open = "open",
    /// A time in the future where a past one is needed.
    Future = "future",
    /// A value the caller may not set (an owner outside their reach).
    NotAllowed = "not_allowed",
    /// A rep's limit of owned or locked customers, or of claims a day, reached.
    LimitReached = "limit_reached",
    /// A daily cap on reads or exported rows reached.
    Cap = "cap",
}

#[cfg(test)]
mod tests {
    use super::*;

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
