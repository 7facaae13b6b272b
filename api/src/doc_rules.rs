//! What the validation enforces and utoipa's derives cannot say, written into
//! the OpenAPI document so that a schema-valid request is accepted and a
//! schema-violating one refused (issue #14 item 9, checked by `make fuzz`):
//! word lists taken from `domain`, "at least one of these fields", the shapes
//! of phone numbers, e-mail addresses and credit codes, and that no text holds
//! NUL (PostgreSQL cannot store it, so every field refuses it).

use domain::auth::ApiScope;
use domain::custom_fields::{CustomEntity, FieldKind};
use domain::events::{EventKind, Target};
use serde_json::{Map, Value, json};

/// No NUL character (the one character every text field refuses).
pub const NO_NUL: &str = r"^[^\u0000]*$";
pub use crate::white_space::{FILLED_NO_NUL, WHITE_SPACE, explicit_white_space, filled_pattern};
/// Blank (treated as absent), or at least five digits (ASCII or full width).
pub const PHONE: &str = r"^\s*$|^(?:[^0-9０-９\u0000]*[0-9０-９]){5}[^\u0000]*$";
/// Blank (absent), or one `@` after some text and a dot somewhere in the domain.
pub const EMAIL: &str = r"^\s*$|^\s*[^@＠\s\u0000]+[@＠][^\s\u0000]*[.．][^\s\u0000]*\s*$";
/// An e-mail address that must be given (a user's sign-in name).
/// Exactly one `@`; the domain has a dot, not first, last or doubled.
pub const EMAIL_REQUIRED: &str =
    r"^\s*[^@\s\u0000]+@(?=[^@\s]*\.)(?![^@\s]*\.\.)[^@\s.\u0000][^@\s\u0000]*[^@\s.\u0000]\s*$";
/// Blank, or 18 characters of the GB 32100 alphabet (the check character is
/// verified too, which a pattern cannot say: that refusal is `checksum`).
pub const CREDIT_CODE: &str = r"^\s*$|^\s*[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}\s*$";
/// A custom-field key or dictionary kind.
pub const KEY: &str = r"^[a-z][a-z0-9_]{0,39}$";

fn words<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Value {
    Value::from(all.iter().map(|w| name(*w)).collect::<Vec<_>>())
}

fn property<'a>(schemas: &'a mut Map<String, Value>, schema: &str, field: &str) -> Option<&'a mut Map<String, Value>> {
    schemas
        .get_mut(schema)?
        .get_mut("properties")?
        .get_mut(field)?
        .as_object_mut()
}

fn set(schemas: &mut Map<String, Value>, schema: &str, field: &str, key: &str, value: Value) {
    if let Some(p) = property(schemas, schema, field) {
        p.insert(key.to_owned(), value);
    }
}

/// `field` is a word from `list` (or a list of them, for an array).
fn enumerate(schemas: &mut Map<String, Value>, schema: &str, field: &str, list: &Value) {
    let Some(p) = property(schemas, schema, field) else {
        return;
    };
    match p.get_mut("items").and_then(Value::as_object_mut) {
        Some(items) => {
            items.insert("enum".into(), list.clone());
        }
        None => {
            p.insert("enum".into(), list.clone());
        }
    }
}

/// Exactly one of two id fields holds an id (`null` counts as absent).
fn exactly_one(a: &str, b: &str) -> Value {
    let id = |field: &str| json!({"required": [field], "properties": {field: {"type": "integer"}}});
    json!({"oneOf": [
        {"allOf": [id(a)], "not": id(b)},
        {"allOf": [id(b)], "not": id(a)},
    ]})
}

/// A field holding text: not blank (white space only counts as absent).
fn filled(field: &str) -> Value {
    json!({"required": [field], "properties": {field: {"type": "string", "pattern": r"\S"}}})
}

/// Schema names a value refers to, directly or through other schemas.
fn referenced(value: &Value, schemas: &Map<String, Value>, found: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && found.insert(name.to_owned())
                && let Some(target) = schemas.get(name)
            {
                referenced(target, schemas, found);
            }
            map.values().for_each(|v| referenced(v, schemas, found));
        }
        Value::Array(list) => list.iter().for_each(|v| referenced(v, schemas, found)),
        _ => {}
    }
}

/// The schemas only requests use: answers show what was stored, which
/// may predate a rule (or come from an import that keeps a bad phone as typed).
fn request_only(doc: &Value) -> std::collections::BTreeSet<String> {
    let empty = Map::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (mut requests, mut answers) = (Default::default(), Default::default());
    for op in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|i| i.as_object().into_iter().flat_map(|o| o.values()))
    {
        referenced(&op["requestBody"], schemas, &mut requests);
        referenced(&op["responses"], schemas, &mut answers);
    }
    requests.difference(&answers).cloned().collect()
}

pub fn tighten(doc: &mut Value) {
    rules(doc);
    spell_out_patterns(doc);
}

fn rules(doc: &mut Value) {
    let request_only = request_only(doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        let events = words(&EventKind::ALL, EventKind::as_str);
        for s in ["CreateWebhook", "UpdateWebhook"] {
            enumerate(schemas, s, "events", &events);
            set(
                schemas,
                s,
                "url",
                "pattern",
                r"^\s*https?://[^\s/\u0000][^\s\u0000]*\s*$".into(),
            );
        }
        enumerate(schemas, "CreateWebhook", "target", &words(&Target::ALL, Target::as_str));
        enumerate(
            schemas,
            "CreateApiKey",
            "scopes",
            &words(&ApiScope::ALL, ApiScope::as_str),
        );
        set(schemas, "CreateApiKey", "scopes", "minItems", 1.into());
        enumerate(
            schemas,
            "CreateCustomField",
            "entity",
            &words(&CustomEntity::ALL, CustomEntity::as_str),
        );
        enumerate(
            schemas,
            "CreateCustomField",
            "kind",
            &words(&FieldKind::ALL, FieldKind::as_str),
        );
        set(schemas, "CreateCustomField", "key", "pattern", KEY.into());
        set(schemas, "DictionaryKind", "kind", "pattern", KEY.into());
        set(
            schemas,
            "CreateEntry",
            "code",
            "pattern",
            r"^\s*[a-z0-9_+-]+\s*$".into(),
        );
        let media_type = r"^\s*[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]+|\*)\s*$";
        if let Some(p) = property(schemas, "AttachmentLimits", "allowed_types") {
            p.insert("items".into(), json!({"type": "string", "pattern": media_type}));
        }
        let lead_fields = Value::from(crate::routes::lead_forms::LEAD_FIELDS.to_vec());
        set(
            schemas,
            "CreateLeadForm",
            "field_mapping",
            "additionalProperties",
            json!({"type": "string", "enum": lead_fields}),
        );
        let requirements = words(
            &domain::pipeline::Requirement::ALL,
            domain::pipeline::Requirement::field,
        );
        let tz = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$";
        for (name, schema) in schemas.iter_mut() {
            let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(items) = props.get_mut("required_fields").and_then(|p| p.get_mut("items")) {
                items["enum"] = requirements.clone();
            }
            if let Some(tags) = props
                .get_mut("tags")
                .filter(|_| name.starts_with("Create") || name.starts_with("Update"))
            {
                // a tag is 1 to 30 characters once trimmed
                if let Some(items) = tags.get_mut("items") {
                    items["pattern"] = r"^\s*[^\s\u0000](?:[^\u0000]{0,28}[^\s\u0000])?\s*$".into();
                }
            }
            if let Some(p) = props.get_mut("time_zone").and_then(Value::as_object_mut) {
                p.insert("pattern".into(), tz.into());
            }
            if let Some(items) = props.get_mut("month_weights").and_then(|p| p.get_mut("items")) {
                items["minimum"] = 0.into();
            }
            if let Some(p) = props.get_mut("stages").and_then(Value::as_object_mut) {
                p.insert("maxItems".into(), 30.into());
            }
        }
        for (name, schema) in schemas.iter_mut().filter(|(name, _)| request_only.contains(*name)) {
            let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
                continue;
            };
            for (field, pattern) in [("phone", PHONE), ("email", EMAIL), ("credit_code", CREDIT_CODE)] {
                let pattern = if name == "CreateUser" && field == "email" {
                    EMAIL_REQUIRED
                } else {
                    pattern
                };
                if let Some(p) = props.get_mut(field).and_then(Value::as_object_mut) {
                    p.remove("format");
                    p.insert("pattern".into(), pattern.into());
                }
            }
        }
        // combinations of fields, as the validation states them
        let combinations = [
            (
                "LeadInput",
                json!({"allOf": [
                    {"anyOf": [filled("person_name"), filled("company")]},
                    {"anyOf": [filled("phone"), filled("email")]},
                ]}),
            ),
            (
                "DuplicateCheck",
                json!({"anyOf": [filled("name"), filled("phone"), filled("email"), filled("credit_code")]}),
            ),
            ("CreateLeadRule", exactly_one("target_user_id", "target_department_id")),
            ("PlanChild", exactly_one("department_id", "user_id")),
        ];
        for (name, rule) in combinations {
            if let (Some(target), Value::Object(rule)) = (schemas.get_mut(name).and_then(Value::as_object_mut), rule) {
                target.extend(rule);
            }
        }
        for schema in schemas.values_mut() {
            no_nul(schema);
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                for p in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    let name = p["name"].as_str().unwrap_or("").to_owned();
                    let Some(schema) = p.get_mut("schema") else { continue };
                    match (path.as_str(), name.as_str()) {
                        ("/api/v1/custom-fields", "entity") => {
                            schema["enum"] = words(&CustomEntity::ALL, CustomEntity::as_str);
                        }
                        ("/api/v1/targets/progress", "scope") => {
                            schema["pattern"] = r"^(company|department:[1-9][0-9]{0,17}|user:[1-9][0-9]{0,17})$".into();
                        }
                        (_, "Idempotency-Key") => {
                            // what the middleware takes: visible ASCII, not blank, at most 255
                            schema["pattern"] = r"^(?=[\t ]*[!-~])[\t -~]{1,255}$".into();
                            continue;
                        }
                        (_, "mapping") => {
                            // a JSON object of header name -> field, sent as JSON text
                            let text = p["description"].clone();
                            if let Some(param) = p.as_object_mut() {
                                param.remove("schema");
                                param.insert(
                                    "content".into(),
                                    json!({"application/json": {"schema": {
                                    "type": "object", "additionalProperties": {"type": "string"}}}}),
                                );
                                param.insert("description".into(), text);
                            }
                            continue;
                        }
                        _ => {}
                    }
                    no_nul(schema);
                }
            }
        }
    }
}

/// Rewrites every `pattern` in the document with [`explicit_white_space`].
fn spell_out_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("pattern", Value::String(p)) => *p = explicit_white_space(p),
                    (_, v) => spell_out_patterns(v),
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(spell_out_patterns),
        _ => {}
    }
}

/// Free text (a string with no format, word list or pattern of its own) may
/// not hold NUL; walks nested objects, arrays and nullable types.
fn no_nul(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else { return };
    let is_string = match obj.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !["format", "enum", "pattern", "const"]
            .iter()
            .any(|k| obj.contains_key(*k))
    {
        let filled = obj.get("minLength").and_then(Value::as_u64).is_some_and(|n| n >= 1);
        obj.insert("pattern".into(), if filled { FILLED_NO_NUL } else { NO_NUL }.into());
    }
    for key in ["properties", "patternProperties"] {
        if let Some(props) = obj.get_mut(key).and_then(Value::as_object_mut) {
            props.values_mut().for_each(no_nul);
        }
    }
    if obj.get("additionalProperties").is_some_and(Value::is_object)
        || obj.get("type") == Some(&json!("object")) && !obj.contains_key("properties")
    {
        // a map: its keys are text too
        if let Some(names) = obj.entry("propertyNames").or_insert_with(|| json!({})).as_object_mut() {
            names.entry("pattern").or_insert_with(|| NO_NUL.into());
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = obj.get_mut(key) {
            no_nul(inner);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(no_nul);
        }
    }
}
