//! Custom fields an admin adds to customers, contacts, leads, deals and
//! contracts without development: what a definition may say, and how a
//! record's values are checked against the definitions and stored.
//!
//! A value is stored as rows of (text, number): text, a date (ISO, so text
//! order is date order), a boolean (`true`/`false`) and each chosen option
//! as text; a number as number; money as its minor units (number) and
//! currency (text). That keeps equality and range filters plain SQL on
//! every backend.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde_json::{Map, Value};

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

    /// May a list filter ask for a range on it?
    pub fn is_ordered(self) -> bool {
        matches!(self, FieldKind::Number | FieldKind::Money | FieldKind::Date)
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn refuse(key: &str, code: &'static str, message: impl Into<String>) -> Refusal {
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

/// The cells of a record's values after checking `input` against the active
/// definitions: each key given is replaced (null clears it); on create a
/// required field must be given. Returns the fields to replace with their
/// new cells, or every refusal.
pub fn check_values(
    defs: &[FieldDef],
    input: &Map<String, Value>,
    creating: bool,
) -> Result<BTreeMap<i64, Vec<Cell>>, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let mut out = BTreeMap::new();
    for key in input.keys() {
        if !defs.iter().any(|d| d.active && &d.key == key) {
            refusals.push(refuse(
                key,
                "unknown_field",
                format!("there is no custom field `{key}`"),
            ));
        }
    }
    for def in defs.iter().filter(|d| d.active) {
        match input.get(&def.key) {
            None if creating && def.required => {
                refusals.push(refuse(&def.key, "required", "this field is required"));
            }
            None => {}
            Some(Value::Null) if def.required => {
                refusals.push(refuse(
                    &def.key,
                    "required",
                    "this field is required and cannot be cleared",
                ));
            }
            Some(Value::Null) => {
                out.insert(def.id, Vec::new());
            }
            Some(v) => match cells(def, v) {
                Ok(c) => {
                    out.insert(def.id, c);
                }
                Err(r) => refusals.push(r),
            },
        }
    }
    if refusals.is_empty() { Ok(out) } else { Err(refusals) }
}

fn text_cell(def: &FieldDef, text: String) -> Cell {
    Cell {
        field_id: def.id,
        text: Some(text),
        number: None,
    }
}

fn cells(def: &FieldDef, v: &Value) -> Result<Vec<Cell>, Refusal> {
    let key = def.key.as_str();
    let option = |s: &str| {
        if def.options.iter().any(|o| o == s) {
            Ok(text_cell(def, s.to_owned()))
        } else {
            Err(refuse(
                key,
                "unknown_option",
                format!("`{s}` is not one of: {}", def.options.join(", ")),
            ))
        }
    };
    match (def.kind, v) {
        (FieldKind::Text, Value::String(s)) if s.chars().count() <= 2000 => Ok(vec![text_cell(def, s.clone())]),
        (FieldKind::Text, Value::String(_)) => Err(refuse(key, "length", "at most 2000 characters")),
        (FieldKind::Number, Value::Number(n)) => match n.as_f64().filter(|f| f.is_finite()) {
            Some(f) => Ok(vec![Cell {
                field_id: def.id,
                text: None,
                number: Some(f),
            }]),
            None => Err(refuse(key, "invalid_type", "a finite number")),
        },
        (FieldKind::Money, Value::Object(m)) => {
            let amount = m.get("amount").and_then(Value::as_i64);
            let currency = m.get("currency").and_then(Value::as_str);
            match (amount, currency) {
                (Some(a), Some(c))
                    if a >= 0 && c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()) && m.len() == 2 =>
                {
                    #[allow(clippy::cast_precision_loss)]
                    let number = a as f64;
                    Ok(vec![Cell {
                        field_id: def.id,
                        text: Some(c.to_owned()),
                        number: Some(number),
                    }])
                }
                _ => Err(refuse(
                    key,
                    "invalid_type",
                    "money is {\"amount\": <minor units, 0 or more>, \"currency\": \"CNY\"}",
                )),
            }
        }
        (FieldKind::Date, Value::String(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Ok(vec![text_cell(def, d.format("%Y-%m-%d").to_string())]),
            Err(_) => Err(refuse(key, "invalid_type", "a date as YYYY-MM-DD")),
        },
        (FieldKind::Boolean, Value::Bool(b)) => Ok(vec![text_cell(def, b.to_string())]),
        (FieldKind::Select, Value::String(s)) => Ok(vec![option(s)?]),
        (FieldKind::MultiSelect, Value::Array(items)) => {
            let mut out: Vec<Cell> = Vec::new();
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err(refuse(key, "invalid_type", "a list of options"));
                };
                let cell = option(s)?;
                if !out.contains(&cell) {
                    out.push(cell);
                }
            }
            Ok(out)
        }
        (kind, _) => Err(refuse(key, "invalid_type", format!("a {} value", kind.as_str()))),
    }
}

/// A spreadsheet cell as the JSON value `def` takes: a number, a boolean
/// (`true`/`false`, `是`/`否`, `yes`/`no`, `1`/`0`), options separated by
/// `;`, money as `<minor units> <currency>`; anything unreadable stays text
/// so [`check_values`] names it.
pub fn from_text(def: &FieldDef, text: &str) -> Value {
    let t = text.trim();
    let keep = || Value::String(text.to_owned());
    match def.kind {
        FieldKind::Number => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(keep, Value::Number),
        FieldKind::Boolean => match t.to_lowercase().as_str() {
            "true" | "是" | "yes" | "1" => Value::Bool(true),
            "false" | "否" | "no" | "0" => Value::Bool(false),
            _ => keep(),
        },
        FieldKind::MultiSelect => t
            .split([';', '；', '|'])
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| Value::String(o.to_owned()))
            .collect(),
        FieldKind::Money => match t.split_once(' ') {
            Some((amount, currency)) => match amount.trim().parse::<i64>() {
                Ok(a) => serde_json::json!({"amount": a, "currency": currency.trim()}),
                Err(_) => keep(),
            },
            None => keep(),
        },
        FieldKind::Text | FieldKind::Date | FieldKind::Select => keep(),
    }
}

/// A record's values as JSON, from its stored cells (unknown or retired fields left out).
pub fn to_json(defs: &[FieldDef], cells: &[Cell]) -> Map<String, Value> {
    let mut out = Map::new();
    for def in defs.iter().filter(|d| d.active) {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.field_id == def.id).collect();
        let Some(first) = mine.first() else { continue };
        let text = || first.text.clone().map_or(Value::Null, Value::String);
        let value = match def.kind {
            FieldKind::Text | FieldKind::Date | FieldKind::Select => text(),
            FieldKind::Boolean => Value::Bool(first.text.as_deref() == Some("true")),
            FieldKind::Number => first
                .number
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            #[allow(clippy::cast_possible_truncation)]
            FieldKind::Money => serde_json::json!({
                "amount": first.number.map(|n| n.round() as i64),
                "currency": first.text,
            }),
            FieldKind::MultiSelect => Value::Array(
                def.options
                    .iter()
                    .filter(|o| mine.iter().any(|c| c.text.as_deref() == Some(o.as_str())))
                    .map(|o| Value::String(o.clone()))
                    .collect(),
            ),
        };
        out.insert(def.key.clone(), value);
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(id: i64, key: &str, kind: FieldKind, required: bool, options: &[&str]) -> FieldDef {
        FieldDef {
            id,
            key: key.into(),
            kind,
            required,
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            active: true,
        }
    }

    fn defs() -> Vec<FieldDef> {
        vec![
            def(1, "level", FieldKind::Select, false, &["gold", "silver"]),
            def(2, "headcount", FieldKind::Number, false, &[]),
            def(3, "budget", FieldKind::Money, false, &[]),
            def(4, "founded", FieldKind::Date, false, &[]),
            def(5, "channels", FieldKind::MultiSelect, false, &["web", "phone", "fair"]),
            def(6, "vip", FieldKind::Boolean, false, &[]),
            def(7, "note", FieldKind::Text, true, &[]),
        ]
    }

    fn input(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn values_round_trip_through_their_cells() {
        let given = json!({"level": "gold", "headcount": 120, "budget": {"amount": 500000, "currency": "CNY"},
                           "founded": "2001-09-01", "channels": ["fair", "web", "web"], "vip": true, "note": "老客户"});
        let cells: Vec<Cell> = check_values(&defs(), &input(given), true)
            .unwrap_or_default()
            .into_values()
            .flatten()
            .collect();
        let back = to_json(&defs(), &cells);
        assert_eq!(
            Value::Object(back),
            json!({"level": "gold", "headcount": 120.0, "budget": {"amount": 500000, "currency": "CNY"},
                   "founded": "2001-09-01", "channels": ["web", "fair"], "vip": true, "note": "老客户"})
        );
    }

    #[test]
    fn every_bad_value_names_its_field() {
        let given = json!({"level": "bronze", "headcount": "many", "founded": "01/09/2001", "channels": ["tv"],
                           "vip": "yes", "budget": {"amount": -1, "currency": "CNY"}, "colour": "red"});
        let refused = check_values(&defs(), &input(given), true).err().unwrap_or_default();
        let mut fields: Vec<&str> = refused.iter().map(|r| r.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "custom_fields.budget",
                "custom_fields.channels",
                "custom_fields.colour",
                "custom_fields.founded",
                "custom_fields.headcount",
                "custom_fields.level",
                "custom_fields.note",
                "custom_fields.vip"
            ]
        );
        assert!(
            refused
                .iter()
                .any(|r| r.code == "unknown_option" && r.message.contains("gold"))
        );
    }

    #[test]
    fn required_fields_are_needed_on_create_only_and_never_cleared() {
        assert!(
            check_values(&defs(), &Map::new(), false).is_ok(),
            "an update may leave it"
        );
        assert!(check_values(&defs(), &Map::new(), true).is_err());
        assert!(check_values(&defs(), &input(json!({"note": null})), false).is_err());
        let cleared = check_values(&defs(), &input(json!({"level": null})), false).unwrap_or_default();
        assert_eq!(cleared.get(&1), Some(&Vec::new()), "null clears an optional field");
    }

    #[test]
    fn retired_fields_are_neither_written_nor_shown() {
        let mut d = defs();
        d[0].active = false;
        assert!(check_values(&d, &input(json!({"level": "gold", "note": "x"})), true).is_err());
        let cells = vec![Cell {
            field_id: 1,
            text: Some("gold".into()),
            number: None,
        }];
        assert!(to_json(&d, &cells).is_empty());
    }

    #[test]
    fn spreadsheet_cells_become_typed_values() {
        let d = defs();
        assert_eq!(from_text(&d[1], " 120 "), json!(120.0));
        assert_eq!(from_text(&d[1], "many"), json!("many"));
        assert_eq!(from_text(&d[5], "是"), json!(true));
        assert_eq!(from_text(&d[4], "web; fair"), json!(["web", "fair"]));
        assert_eq!(
            from_text(&d[2], "500000 CNY"),
            json!({"amount": 500000, "currency": "CNY"})
        );
        assert_eq!(from_text(&d[0], "gold"), json!("gold"));
    }

    #[test]
    fn keys_and_options_are_checked() {
        assert!(valid_key("level_2"));
        assert!(!valid_key("Level"));
        assert!(!valid_key("2nd"));
        assert!(!valid_key(""));
        assert!(!valid_key(&"a".repeat(41)));
        assert!(check_options(FieldKind::Select, &[]).is_some());
        assert!(check_options(FieldKind::Select, &["a".into(), "a".into()]).is_some());
        assert!(check_options(FieldKind::Text, &["a".into()]).is_some());
        assert_eq!(check_options(FieldKind::MultiSelect, &["a".into(), "b".into()]), None);
    }

    #[test]
    fn filters_fit_the_field() {
        let d = defs();
        assert_eq!(
            filter(&d[0], Some("gold"), None, None),
            Ok(Filter::TextIs("gold".into()))
        );
        assert!(filter(&d[0], Some("bronze"), None, None).is_err());
        assert!(filter(&d[0], None, Some("a"), None).is_err(), "no range on a select");
        assert_eq!(
            filter(&d[1], None, Some("10"), None),
            Ok(Filter::NumberRange(Some(10.0), None))
        );
        assert_eq!(
            filter(&d[3], None, Some("2000-01-01"), Some("2010-12-31")),
            Ok(Filter::TextRange(Some("2000-01-01".into()), Some("2010-12-31".into())))
        );
        assert!(filter(&d[3], Some("2000-01-01"), Some("2000-01-01"), None).is_err());
        assert!(filter(&d[5], Some("maybe"), None, None).is_err());
    }
}
