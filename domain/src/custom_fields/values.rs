//! A record's custom values: checked against the definitions, stored as
//! cells, shown as JSON, and read from spreadsheet text.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{Cell, FieldDef, FieldKind, Refusal, refuse};

use crate::vocabulary::FieldCode;

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
                FieldCode::NotFound,
                format!("there is no custom field `{key}`"),
            ));
        }
    }
    for def in defs.iter().filter(|d| d.active) {
        match input.get(&def.key) {
            None if creating && def.required => {
                refusals.push(refuse(&def.key, FieldCode::Required, "this field is required"));
            }
            None => {}
            Some(Value::Null) if def.required => {
                refusals.push(refuse(
                    &def.key,
                    FieldCode::Required,
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
                FieldCode::UnknownOption,
                format!("`{s}` is not one of: {}", def.options.join(", ")),
            ))
        }
    };
    match (def.kind, v) {
        (FieldKind::Text, Value::String(s)) if s.chars().count() <= 2000 => Ok(vec![text_cell(def, s.clone())]),
        (FieldKind::Text, Value::String(_)) => Err(refuse(key, FieldCode::Length, "at most 2000 characters")),
        (FieldKind::Number, Value::Number(n)) => match n.as_f64().filter(|f| f.is_finite()) {
            Some(f) => Ok(vec![Cell {
                field_id: def.id,
                text: None,
                number: Some(f),
            }]),
            None => Err(refuse(key, FieldCode::InvalidType, "a finite number")),
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
                    FieldCode::InvalidType,
                    "money is {\"amount\": <minor units, 0 or more>, \"currency\": \"CNY\"}",
                )),
            }
        }
        (FieldKind::Date, Value::String(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Ok(vec![text_cell(def, d.format("%Y-%m-%d").to_string())]),
            Err(_) => Err(refuse(key, FieldCode::InvalidType, "a date as YYYY-MM-DD")),
        },
        (FieldKind::Boolean, Value::Bool(b)) => Ok(vec![text_cell(def, b.to_string())]),
        (FieldKind::Select, Value::String(s)) => Ok(vec![option(s)?]),
        (FieldKind::MultiSelect, Value::Array(items)) => {
            let mut out: Vec<Cell> = Vec::new();
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err(refuse(key, FieldCode::InvalidType, "a list of options"));
                };
                let cell = option(s)?;
                if !out.contains(&cell) {
                    out.push(cell);
                }
            }
            Ok(out)
        }
        (kind, _) => Err(refuse(
            key,
            FieldCode::InvalidType,
            format!("a {} value", kind.as_str()),
        )),
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
