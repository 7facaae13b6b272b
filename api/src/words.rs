//! The API's spelling of the domain's words (`domain::vocabulary`): each API
//! enum carries the OpenAPI schema and serde names, the domain enum the
//! meaning; this maps one to the other and reads stored values strictly.

use std::str::FromStr;

use domain::vocabulary::UnknownWord;

use crate::error::ApiError;

/// `From` both ways between an API enum and the domain word of the same variants.
macro_rules! same_words {
    ($api:ident, $domain:path, [$($variant:ident),+ $(,)?]) => {
        impl From<$api> for $domain {
            fn from(w: $api) -> Self {
                use $domain as D;
                match w {
                    $($api::$variant => D::$variant),+
                }
            }
        }

        impl From<$domain> for $api {
            fn from(w: $domain) -> Self {
                use $domain as D;
                match w {
                    $(D::$variant => $api::$variant),+
                }
            }
        }

        impl $api {
            pub fn as_str(self) -> &'static str {
                <$domain>::from(self).as_str()
            }
        }
    };
}
pub(crate) use same_words;

/// A value read from the database as a domain word: an unknown one is a
/// fault of ours (500, logged), never silently a default.
pub fn stored<W: FromStr<Err = UnknownWord>>(value: &str) -> Result<W, ApiError> {
    value
        .parse()
        .map_err(|e: UnknownWord| ApiError::internal(format!("stored value: {e}")))
}

/// A stored value read as an API enum by its serde name (for enums that
/// exist only in the API, as a deal committee's roles): an unknown one is a
/// fault of ours (500, logged).
pub fn stored_as<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::from(value))
        .map_err(|e| ApiError::internal(format!("stored value `{value}`: {e}")))
}

/// An API enum's serde name, as it is stored.
pub fn name_of<T: serde::Serialize>(word: T) -> String {
    serde_json::to_value(word)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
