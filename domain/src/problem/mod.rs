//! Why an operation refused, in the words a client reads: each error of an
//! operation says once, next to its definition, which answer it is (not
//! found, forbidden, a conflict with a stable code, or the fields that break
//! a rule), and the API turns every [`Refused`] into an RFC 9457 problem in
//! one place.

use std::borrow::Cow;

use serde::Serialize;

use crate::vocabulary::FieldCode;

mod codes;

pub use codes::ErrorCode;

/// One bad field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as a dotted path from the body or query root (`email`, `items.2.name`).
    pub field: String,
    /// Stable machine-readable reason.
    pub code: FieldCode,
    /// A human-readable sentence.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// What an operation answers when it refuses.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// No such record in the caller's view (absent and hidden look alike),
    /// named by what the client asked for (`customer`, `lead`).
    NotFound(Cow<'static, str>),
    /// The caller may see the record but not do this.
    Forbidden(String),
    /// The record's state, or another record, stands in the way (with the
    /// field that collides, for a name or code taken).
    Conflict {
        code: ErrorCode,
        detail: String,
        errors: Vec<FieldError>,
        context: Option<serde_json::Value>,
    },
    /// Fields of the request break a rule: `validation_failed`, or a more
    /// telling `code` (a pool limit) with its own `detail`.
    Invalid {
        code: ErrorCode,
        detail: Option<String>,
        errors: Vec<FieldError>,
        context: Option<serde_json::Value>,
    },
}

impl Refused {
    pub fn not_found(what: &'static str) -> Refused {
        Refused::NotFound(Cow::Borrowed(what))
    }

    pub fn forbidden(detail: impl Into<String>) -> Refused {
        Refused::Forbidden(detail.into())
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Refused {
        Refused::Conflict {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            context: None,
        }
    }

    /// A unique name or code is taken: a conflict naming its field.
    pub fn taken(code: ErrorCode, field: &str, detail: impl Into<String>) -> Refused {
        Refused::Conflict {
            code,
            detail: detail.into(),
            errors: vec![FieldError::new(field, FieldCode::Taken, "already in use")],
            context: None,
        }
    }

    /// One field breaks a rule.
    pub fn field(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Refused {
        Refused::fields(vec![FieldError::new(field, code, message)])
    }

    /// Fields that break rules, each named.
    pub fn fields(errors: Vec<FieldError>) -> Refused {
        Refused::Invalid {
            code: ErrorCode::ValidationFailed,
            detail: None,
            errors,
            context: None,
        }
    }

    /// A limit of the organisation's settings is reached: `code` with
    /// `detail`, the setting named as the field.
    pub fn limit(code: ErrorCode, setting: &str, detail: String) -> Refused {
        Refused::Invalid {
            code,
            errors: vec![FieldError::new(setting, FieldCode::LimitReached, detail.clone())],
            detail: Some(detail),
            context: None,
        }
    }

    /// The facts behind the refusal (the amount still open, the customer
    /// that exists), for a client to act on.
    pub fn with_context(self, facts: serde_json::Value) -> Refused {
        match self {
            Refused::Conflict {
                code, detail, errors, ..
            } => Refused::Conflict {
                code,
                detail,
                errors,
                context: Some(facts),
            },
            Refused::Invalid {
                code, detail, errors, ..
            } => Refused::Invalid {
                code,
                detail,
                errors,
                context: Some(facts),
            },
            other => other,
        }
    }

    /// Names the record a not-found is about, where one error serves
    /// several records (an activity of a customer, a lead or a deal).
    pub fn about(self, what: &str) -> Refused {
        match self {
            Refused::NotFound(_) => Refused::NotFound(Cow::Owned(what.to_owned())),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_stays_with_conflicts_and_fields_and_about_renames_only_not_found() {
        let facts = serde_json::json!({ "open": 5 });
        let conflict = Refused::conflict(ErrorCode::Conflict, "x").with_context(facts.clone());
        assert!(matches!(&conflict, Refused::Conflict { context: Some(c), .. } if *c == facts));
        let field = Refused::field("amount", FieldCode::Range, "too big").with_context(facts.clone());
        assert!(
            matches!(&field, Refused::Invalid { context: Some(c), errors, .. } if *c == facts && errors.len() == 1)
        );
        assert_eq!(Refused::forbidden("no").with_context(facts), Refused::forbidden("no"));
        assert_eq!(
            Refused::not_found("record").about("lead"),
            Refused::NotFound(Cow::Borrowed("lead"))
        );
        assert_eq!(Refused::forbidden("no").about("lead"), Refused::forbidden("no"));
    }

    #[test]
    fn a_limit_names_the_setting_as_its_field() {
        let Refused::Invalid {
            code, detail, errors, ..
        } = Refused::limit(ErrorCode::PoolLimit, "max_owned", "you own 5".into())
        else {
            panic!("a limit is a field refusal");
        };
        assert_eq!(code, ErrorCode::PoolLimit);
        assert_eq!(detail.as_deref(), Some("you own 5"));
        assert_eq!(
            errors,
            vec![FieldError::new("max_owned", FieldCode::LimitReached, "you own 5")]
        );
    }
}
