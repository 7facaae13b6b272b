//! List filters on one custom field.

use chrono::NaiveDate;

use super::{FieldDef, FieldKind};

/// A list filter on one custom field: equal to a value, or within a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Text, date, boolean, an option (a multi select: holds it).
    TextIs(String),
    NumberIs(f64),
    /// Inclusive bounds; dates compare as ISO text.
    TextRange(Option<String>, Option<String>),
    NumberRange(Option<f64>, Option<f64>),
}

/// The filter a list query asks for on `def`: `eq`, or `from`/`to` for
/// numbers, money (minor units) and dates.
pub fn filter(def: &FieldDef, eq: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Filter, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| format!("`{s}` is not a number"))
    };
    let date = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
    };
    match (eq, from.is_some() || to.is_some()) {
        (Some(_), true) => Err("give either a value or a range, not both".into()),
        (None, false) => Err("give a value, or a range with from/to".into()),
        (Some(v), false) => match def.kind {
            FieldKind::Number | FieldKind::Money => Ok(Filter::NumberIs(number(v)?)),
            FieldKind::Date => Ok(Filter::TextIs(date(v)?)),
            FieldKind::Boolean => match v {
                "true" | "false" => Ok(Filter::TextIs(v.to_owned())),
                _ => Err("a boolean field is filtered by true or false".into()),
            },
            FieldKind::Select | FieldKind::MultiSelect if !def.options.iter().any(|o| o == v) => {
                Err(format!("`{v}` is not one of: {}", def.options.join(", ")))
            }
            _ => Ok(Filter::TextIs(v.to_owned())),
        },
        (None, true) => match def.kind {
            FieldKind::Number | FieldKind::Money => Ok(Filter::NumberRange(
                from.map(number).transpose()?,
                to.map(number).transpose()?,
            )),
            FieldKind::Date => Ok(Filter::TextRange(
                from.map(date).transpose()?,
                to.map(date).transpose()?,
            )),
            kind => Err(format!("a {} field has no range; filter by a value", kind.as_str())),
        },
    }
}
