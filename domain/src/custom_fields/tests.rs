use super::*;
use serde_json::{Map, Value, json};

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
            .any(|r| r.code == crate::vocabulary::FieldCode::UnknownOption && r.message.contains("gold"))
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
