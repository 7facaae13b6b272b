//! Money: an amount of minor units (分 for CNY) and an ISO 4217 currency code,
//! never a float. The types say what a field may hold:
//! - [`Money`]: zero or more (a deal's amount, a price);
//! - [`PositiveMoney`]: one minor unit or more (a contract, an instalment, a
//!   payment);
//! - [`MoneyTotal`]: a sum of those (a report's, a statement's);
//! - [`SignedTotal`]: a sum that may be below zero (a statement's total after
//!   penalties, an adjustment that takes back what an approved month
//!   overpaid).
//!
//! The totals are answered, never read from a client.
//!
//! One amount is at most [`MAX_AMOUNT`] minor units in size (10^15: ten
//! trillion yuan, and below 2^53, so a JavaScript client reads it exactly).
//! A sum of such amounts is taken in 128 bits ([`sum`]) and answered up to
//! `i64::MAX`, the most a total can hold (9,223 amounts of the maximum),
//! so no report or statement overflows.
//!
//! Reading one from JSON checks it: an amount out of its type's range or a
//! currency that is not three letters fails on the field that holds it
//! (`amount.amount`, `amount.currency`), with a [`MoneyError`] whose
//! [`MoneyError::code`] the API reports. The document's schemas are derived
//! from these types (feature `openapi`), so what the server checks and what
//! it publishes are one.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::vocabulary::FieldCode;

/// Why an amount or a currency was refused, in the words a client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount of zero or more minor units")]
    Negative,
    #[error("an amount of at least one minor unit")]
    NotPositive,
    #[error("a three-letter ISO 4217 code such as CNY")]
    Currency,
    #[error("an amount of at most 1000000000000000 minor units in size")]
    TooLarge,
}

/// The most minor units one amount may hold, either side of zero: 10^15.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// The sum of `amounts`, taken in 128 bits and answered up to what an `i64`
/// holds (down to its least for a negative sum): no sum of stored amounts
/// overflows, however many there are.
pub fn sum(amounts: impl IntoIterator<Item = i64>) -> i64 {
    let wide: i128 = amounts.into_iter().map(i128::from).sum();
    saturate(wide)
}

/// A 128-bit sum as an `i64`, held at its bounds.
pub fn saturate(wide: i128) -> i64 {
    i64::try_from(wide).unwrap_or(if wide < 0 { i64::MIN } else { i64::MAX })
}

impl MoneyError {
    pub const ALL: [MoneyError; 4] = [
        MoneyError::Negative,
        MoneyError::NotPositive,
        MoneyError::Currency,
        MoneyError::TooLarge,
    ];

    /// The field error code the API answers with.
    pub fn code(self) -> FieldCode {
        match self {
            MoneyError::Negative | MoneyError::NotPositive | MoneyError::TooLarge => FieldCode::Range,
            MoneyError::Currency => FieldCode::Currency,
        }
    }

    /// The error whose message is `message`: how a refusal raised inside a
    /// JSON reader (which keeps only the text) gets its code back.
    pub fn from_message(message: &str) -> Option<MoneyError> {
        MoneyError::ALL.into_iter().find(|e| e.to_string() == message)
    }
}

/// An ISO 4217 code: three ASCII letters, kept in capitals (`cny` reads as
/// `CNY`). Whether the organisation accepts it is a stored rule, asked
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Currency(code.to_ascii_uppercase()))
        } else {
            Err(MoneyError::Currency)
        }
    }

    /// A code read back from the database, which only ever stores parsed ones.
    pub fn stored(code: impl Into<String>) -> Currency {
        Currency(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let raw = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Currency::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An amount's bounds, checked where it is read (so a refusal names the
/// `amount` field itself).
trait Bounds {
    const MIN: i64;
    const MAX: i64;
    const BELOW: MoneyError;
}

fn read_amount<'de, B: Bounds, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let amount = i64::deserialize(d)?;
    within::<B>(amount).map_err(serde::de::Error::custom)
}

fn within<B: Bounds>(amount: i64) -> Result<i64, MoneyError> {
    if amount < B::MIN {
        Err(B::BELOW)
    } else if amount > B::MAX {
        Err(MoneyError::TooLarge)
    } else {
        Ok(amount)
    }
}

struct ZeroOrMore;
impl Bounds for ZeroOrMore {
    const MIN: i64 = 0;
    const MAX: i64 = MAX_AMOUNT;
    const BELOW: MoneyError = MoneyError::Negative;
}

struct OneOrMore;
impl Bounds for OneOrMore {
    const MIN: i64 = 1;
    const MAX: i64 = MAX_AMOUNT;
    const BELOW: MoneyError = MoneyError::NotPositive;
}

struct AnyTotal;
impl Bounds for AnyTotal {
    const MIN: i64 = 0;
    const MAX: i64 = i64::MAX;
    const BELOW: MoneyError = MoneyError::Negative;
}

struct AnySignedTotal;
impl Bounds for AnySignedTotal {
    const MIN: i64 = i64::MIN;
    const MAX: i64 = i64::MAX;
    const BELOW: MoneyError = MoneyError::Negative;
}

/// One money type: its amount's bounds (checked where JSON is read and by
/// `new`) and the amount's schema in the document.
macro_rules! money_type {
    ($(#[$doc:meta])* $name:ident, $floor:ty, $read:literal, $(#[$amount:meta])*) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(#[$amount])*
            #[serde(deserialize_with = $read)]
            amount: i64,
            #[cfg_attr(
                feature = "openapi",
                schema(value_type = String, example = "CNY", min_length = 3, max_length = 3, pattern = r"^[A-Za-z]{3}$")
            )]
            currency: Currency,
        }

        impl $name {
            /// `amount` in `currency`, if the type holds it.
            pub fn new(amount: i64, currency: Currency) -> Result<$name, MoneyError> {
                Ok($name {
                    amount: within::<$floor>(amount)?,
                    currency,
                })
            }

            pub fn amount(&self) -> i64 {
                self.amount
            }

            pub fn currency(&self) -> &Currency {
                &self.currency
            }

            pub fn into_parts(self) -> (i64, Currency) {
                (self.amount, self.currency)
            }
        }
    };
}

money_type!(
    /// Money in minor units (分 for CNY) and an ISO 4217 currency code.
    Money,
    ZeroOrMore,
    "read_amount::<ZeroOrMore, _>",
    #[cfg_attr(feature = "openapi", schema(example = 12_500_000, minimum = 0, maximum = 1_000_000_000_000_000_i64))]
);

money_type!(
    /// Money that must be above zero (a contract, an instalment, a payment): the
    /// document's name for [`Money`] where the amount is at least one minor unit.
    PositiveMoney,
    OneOrMore,
    "read_amount::<OneOrMore, _>",
    #[cfg_attr(feature = "openapi", schema(example = 12_500_000, minimum = 1, maximum = 1_000_000_000_000_000_i64))]
);

money_type!(
    /// A sum of amounts (a report's, a statement's): zero or more minor units,
    /// up to 9,223,372,036,854,775,807, and an ISO 4217 currency code.
    MoneyTotal,
    AnyTotal,
    "read_amount::<AnyTotal, _>",
    #[cfg_attr(feature = "openapi", schema(example = 125_000_000, minimum = 0))]
);

money_type!(
    /// A sum that may be below zero: a statement's total after penalties and
    /// claw-backs. Minor units and an ISO 4217 currency code.
    SignedTotal,
    AnySignedTotal,
    "read_amount::<AnySignedTotal, _>",
    /// Negative when more is taken back than earned.
    #[cfg_attr(feature = "openapi", schema(example = -30_000))]
);

impl MoneyTotal {
    /// A sum of stored amounts: held at zero below (what is left of an
    /// overpaid amount is none).
    pub fn stored(amount: i64, currency: impl Into<String>) -> MoneyTotal {
        MoneyTotal {
            amount: amount.max(0),
            currency: Currency::stored(currency),
        }
    }
}

impl SignedTotal {
    pub fn stored(amount: i64, currency: impl Into<String>) -> SignedTotal {
        SignedTotal {
            amount,
            currency: Currency::stored(currency),
        }
    }
}

impl From<Money> for MoneyTotal {
    fn from(m: Money) -> MoneyTotal {
        MoneyTotal {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

impl Money {
    /// An amount read back from the database, or a sum or remainder of
    /// such: stored amounts are checked non-negative by the tables'
    /// constraints. What is left of an overpaid amount is none, so a
    /// negative one answers zero rather than break a client's reading of the
    /// document.
    pub fn stored(amount: i64, currency: impl Into<String>) -> Money {
        Money {
            amount: amount.max(0),
            currency: Currency::stored(currency),
        }
    }
}

impl From<PositiveMoney> for Money {
    fn from(m: PositiveMoney) -> Money {
        Money {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn cny() -> Currency {
        Currency::parse("CNY").expect("valid")
    }

    #[test]
    fn a_currency_is_three_letters_kept_in_capitals() {
        assert_eq!(Currency::parse("cny").expect("valid").as_str(), "CNY");
        for bad in ["", "CN", "CNYY", " CN", "CN1", "人民币", "C\u{0}Y"] {
            assert_eq!(Currency::parse(bad), Err(MoneyError::Currency), "{bad:?}");
        }
    }

    #[test]
    fn a_stored_remainder_below_zero_is_none_left() {
        assert_eq!(Money::stored(-50_000, "CNY").amount(), 0);
        assert_eq!(Money::stored(7, "CNY").amount(), 7);
    }

    #[test]
    fn each_type_keeps_its_floor() {
        assert_eq!(Money::new(-1, cny()), Err(MoneyError::Negative));
        assert_eq!(Money::new(0, cny()).map(|m| m.amount()), Ok(0));
        assert_eq!(PositiveMoney::new(0, cny()), Err(MoneyError::NotPositive));
        assert_eq!(PositiveMoney::new(1, cny()).map(|m| m.amount()), Ok(1));
        assert_eq!(SignedTotal::stored(-300, "CNY").amount(), -300);
    }

    #[test]
    fn one_amount_is_at_most_ten_to_the_fifteenth_and_a_sum_never_wraps() {
        assert_eq!(Money::new(MAX_AMOUNT, cny()).map(|m| m.amount()), Ok(MAX_AMOUNT));
        assert_eq!(Money::new(MAX_AMOUNT + 1, cny()), Err(MoneyError::TooLarge));
        assert_eq!(PositiveMoney::new(i64::MAX, cny()), Err(MoneyError::TooLarge));
        let e = serde_json::from_value::<PositiveMoney>(json!({"amount": i64::MAX, "currency": "CNY"}))
            .expect_err("refused");
        assert_eq!(MoneyError::from_message(&e.to_string()), Some(MoneyError::TooLarge));
        assert_eq!(MoneyTotal::new(i64::MAX, cny()).map(|m| m.amount()), Ok(i64::MAX));
        assert_eq!(sum([MAX_AMOUNT, MAX_AMOUNT]), 2 * MAX_AMOUNT);
        assert_eq!(sum([i64::MAX, i64::MAX]), i64::MAX);
        assert_eq!(sum([i64::MIN, -1]), i64::MIN);
        assert_eq!(
            sum([i64::MAX, 1, -2]),
            i64::MAX - 1,
            "exact while the sum fits, whatever the order"
        );
    }

    #[test]
    fn json_is_read_strictly_and_written_as_the_document_says() {
        let m: Money = serde_json::from_value(json!({"amount": 5, "currency": "cny"})).expect("valid");
        assert_eq!(
            serde_json::to_value(&m).expect("valid"),
            json!({"amount": 5, "currency": "CNY"})
        );
        let e = serde_json::from_value::<Money>(json!({"amount": -5, "currency": "CNY"})).expect_err("refused");
        assert_eq!(MoneyError::from_message(&e.to_string()), Some(MoneyError::Negative));
        let e = serde_json::from_value::<PositiveMoney>(json!({"amount": 0, "currency": "CNY"})).expect_err("refused");
        assert_eq!(MoneyError::from_message(&e.to_string()), Some(MoneyError::NotPositive));
        let e = serde_json::from_value::<Money>(json!({"amount": 5, "currency": "RMB1"})).expect_err("refused");
        assert_eq!(MoneyError::from_message(&e.to_string()), Some(MoneyError::Currency));
        assert!(serde_json::from_value::<Money>(json!({"amount": 5, "currency": "CNY", "x": 1})).is_err());
        let s = SignedTotal::stored(-30_000, "CNY");
        assert_eq!(
            serde_json::to_value(&s).expect("valid"),
            json!({"amount": -30_000, "currency": "CNY"})
        );
    }

    #[test]
    fn every_refusal_has_a_code_and_comes_back_from_its_message() {
        for e in MoneyError::ALL {
            assert_eq!(MoneyError::from_message(&e.to_string()), Some(e));
            assert!([FieldCode::Range, FieldCode::Currency].contains(&e.code()));
        }
        assert_eq!(MoneyError::from_message("something else"), None);
    }

    proptest! {
        /// What JSON reads back is what was written, for every amount each type allows.
        #[test]
        fn written_money_reads_back(amount in any::<i64>(), code in "[A-Za-z]{3}") {
            let currency = Currency::parse(&code).expect("valid");
            let signed = SignedTotal::new(amount, currency.clone()).expect("any amount");
            let back: SignedTotal = serde_json::from_value(serde_json::to_value(&signed).expect("valid")).expect("valid");
            prop_assert_eq!(back, signed);
            match Money::new(amount, currency.clone()) {
                Ok(m) => {
                    let back: Money = serde_json::from_value(serde_json::to_value(&m).expect("valid")).expect("valid");
                    prop_assert_eq!(back, m);
                }
                Err(e) => prop_assert!(
                    (amount < 0 && e == MoneyError::Negative) || (amount > MAX_AMOUNT && e == MoneyError::TooLarge)
                ),
            }
            prop_assert_eq!(PositiveMoney::new(amount, currency).is_ok(), (1..=MAX_AMOUNT).contains(&amount));
        }
    }
}
