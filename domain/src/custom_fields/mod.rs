//! Custom fields an admin adds to customers, contacts, leads, deals and
//! contracts without development: what a definition may say, and how a
//! record's values are checked against the definitions and stored.
//!
//! A value is stored as rows of (text, number): text, a date (ISO, so text
//! order is date order), a boolean (`true`/`false`) and each chosen option
//! as text; a number as number; money as its minor units (number) and
//! currency (text). That keeps equality and range filters plain SQL on
//! every backend.

use std::fmt;
use std::str::FromStr;

/// The records that take custom fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomEntity {
    Customer,
    Contact,
    Lead,
    Opportunity,
    Contract,
}

impl CustomEntity {
    pub const ALL: [CustomEntity; 5] = [
        CustomEntity::Customer,
        CustomEntity::Contact,
        CustomEntity::Lead,
        CustomEntity::Opportunity,
        CustomEntity::Contract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CustomEntity::Customer => "customer",
            CustomEntity::Contact => "contact",
            CustomEntity::Lead => "lead",
            CustomEntity::Opportunity => "opportunity",
            CustomEntity::Contract => "contract",
        }
    }
}

impl fmt::Display for CustomEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CustomEntity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CustomEntity::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a record that takes custom fields"))
    }
}

/// The type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Text,
    Number,
    Money,
    Date,
    Select,
    MultiSelect,
    Boolean,
}

impl FieldKind {
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Money,
        FieldKind::Date,
        FieldKind::Select,
        FieldKind::MultiSelect,
        FieldKind::Boolean,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Money => "money",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::MultiSelect => "multi_select",
            FieldKind::Boolean => "boolean",
        }
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Select | FieldKind::MultiSelect)
    }
}

impl FromStr for FieldKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        FieldKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a field type"))
    }
}

/// A field as the admin defined it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub id: i64,
    pub key: String,
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<String>,
    pub active: bool,
}

/// One stored row of a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub field_id: i64,
    pub text: Option<String>,
    pub number: Option<f64>,
}

/// A refused value: the field (`custom_fields.<key>`), a code, a message.
pub type Refusal = crate::problem::FieldError;

pub(crate) fn refuse(key: &str, code: FieldCode, message: impl Into<String>) -> Refusal {
    Refusal {
        field: format!("custom_fields.{key}"),
        code,
        message: message.into(),
    }
}

/// Is `key` a field key: a lower-case letter, then letters, digits or `_`, at most 40?
pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && key.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with a definition's options for its kind.
pub fn check_options(kind: FieldKind, options: &[String]) -> Option<String> {
    if !kind.has_options() {
        return (!options.is_empty()).then(|| format!("a {} field takes no options", kind.as_str()));
    }
    if options.is_empty() || options.len() > 200 {
        return Some("a select field has 1 to 200 options".into());
    }
    for (i, o) in options.iter().enumerate() {
        if o.trim().is_empty() || o.chars().count() > 100 || o.trim() != o {
            return Some(format!(
                "option {i} must have 1 to 100 characters and no surrounding spaces"
            ));
        }
        if options[..i].contains(o) {
            return Some(format!("option {i} (`{o}`) is listed twice"));
        }
    }
    None
}

mod filter;
mod values;

pub use filter::*;
pub use values::*;

use crate::vocabulary::FieldCode;

#[cfg(test)]
mod tests;
