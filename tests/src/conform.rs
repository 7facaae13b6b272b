//! Does an answer conform to the published document? What a client that
//! validates answers against `openapi/openapi.json` would check: the JSON
//! Schema keywords the document uses (types, `$ref`, `oneOf`/`anyOf`/`allOf`/
//! `not`, required and unknown properties, bounds, lengths, patterns, enums and
//! the `date`, `date-time`, `int32` and `int64` formats). A keyword it does not
//! know fails the check, so a new one in the document cannot pass unseen.

use std::sync::OnceLock;

use serde_json::Value;

/// The committed document (`spec.rs` keeps it equal to what the server serves).
pub fn published() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json"))
            .unwrap_or_else(|e| panic!("openapi/openapi.json: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("openapi/openapi.json: {e}"))
    })
}

/// The JSON schema of the answer `status` to `method template` (a path as the
/// document writes it, `/api/v1/contracts/{id}`); panics when the document has none.
pub fn response_schema(method: &str, template: &str, status: u16) -> &'static Value {
    let doc = published();
    let op = &doc["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "the document has no {method} {template}");
    let response = &op["responses"][status.to_string()];
    let response = resolve(doc, response);
    let content = &response["content"];
    let schema = match &content["application/json"]["schema"] {
        Value::Null => &content["application/problem+json"]["schema"],
        json => json,
    };
    assert!(
        schema.is_object(),
        "the document has no JSON answer {status} for {method} {template}"
    );
    schema
}

/// Every place `value` breaks the answer `status` of `method template`.
pub fn violations_of(method: &str, template: &str, status: u16, value: &Value) -> Vec<String> {
    violations(published(), response_schema(method, template, status), value)
}

/// Panics, naming each place, unless `value` conforms.
pub fn assert_conforms(method: &str, template: &str, status: u16, value: &Value) {
    let v = violations_of(method, template, status, value);
    assert!(
        v.is_empty(),
        "{method} {template} {status} answered what its document refuses:\n  {}\n{value}",
        v.join("\n  ")
    );
}

/// Every place `value` breaks `schema` (resolved within `doc`).
pub fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, "$", &mut out, 0);
    out
}

fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                schema = doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            None => return schema,
        }
    }
    panic!("a $ref loop")
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => is_integer(v),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown JSON type {other}"),
    }
}

/// Keywords that say nothing about validity.
const ANNOTATIONS: [&str; 6] = ["description", "example", "examples", "title", "default", "deprecated"];

fn check(doc: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>, depth: usize) {
    assert!(depth < 64, "schema nesting too deep at {path}");
    let Some(map) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            out.push(format!("{path}: nothing is allowed here"));
        }
        return;
    };
    let passes = |s: &Value| violations_at(doc, s, value, path, depth).is_empty();
    for (key, arg) in map {
        match key.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$ref" => check(doc, resolve(doc, schema), value, path, out, depth + 1),
            "allOf" => {
                for s in arg.as_array().into_iter().flatten() {
                    check(doc, s, value, path, out, depth + 1);
                }
            }
            "anyOf" => {
                if !arg.as_array().into_iter().flatten().any(passes) {
                    out.push(format!("{path}: matches none of anyOf"));
                }
            }
            "oneOf" => {
                let n = arg.as_array().into_iter().flatten().filter(|s| passes(s)).count();
                if n != 1 {
                    out.push(format!("{path}: matches {n} branches of oneOf, not one"));
                }
            }
            "not" => {
                if passes(arg) {
                    out.push(format!("{path}: matches what `not` forbids"));
                }
            }
            "type" => {
                let ok = match arg {
                    Value::String(t) => has_type(value, t),
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| has_type(value, t)),
                    _ => panic!("bad type keyword at {path}"),
                };
                if !ok {
                    out.push(format!("{path}: {value} is not of type {arg}"));
                }
            }
            "enum" => {
                if !arg.as_array().is_some_and(|a| a.contains(value)) {
                    out.push(format!("{path}: {value} is not one of {arg}"));
                }
            }
            "minimum" | "maximum" => {
                if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64()) {
                    let exact = |x: &Value| x.as_i64().map(i128::from).or(x.as_u64().map(i128::from));
                    let below = match (exact(value), exact(arg)) {
                        (Some(v), Some(b)) => v < b,
                        _ => v < bound,
                    };
                    let above = match (exact(value), exact(arg)) {
                        (Some(v), Some(b)) => v > b,
                        _ => v > bound,
                    };
                    if (key == "minimum" && below) || (key == "maximum" && above) {
                        out.push(format!("{path}: {value} breaks {key} {arg}"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let (Some(s), Some(n)) = (value.as_str(), arg.as_u64()) {
                    let len = s.chars().count() as u64;
                    if (key == "minLength" && len < n) || (key == "maxLength" && len > n) {
                        out.push(format!("{path}: a length of {len} breaks {key} {n}"));
                    }
                }
            }
            "minItems" | "maxItems" => {
                if let (Some(a), Some(n)) = (value.as_array(), arg.as_u64()) {
                    let len = a.len() as u64;
                    if (key == "minItems" && len < n) || (key == "maxItems" && len > n) {
                        out.push(format!("{path}: {len} items break {key} {n}"));
                    }
                }
            }
            "pattern" => {
                if let Some(s) = value.as_str() {
                    let p = arg.as_str().unwrap_or_default();
                    let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}"));
                    if !re.is_match(s) {
                        out.push(format!("{path}: {value} does not match {p}"));
                    }
                }
            }
            "format" => check_format(arg.as_str().unwrap_or_default(), value, path, out),
            "required" => {
                if let Some(obj) = value.as_object() {
                    for name in arg.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !obj.contains_key(name) {
                            out.push(format!("{path}: `{name}` is required"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(obj) = value.as_object() {
                    for (name, s) in arg.as_object().into_iter().flatten() {
                        if let Some(v) = obj.get(name) {
                            check(doc, s, v, &format!("{path}.{name}"), out, depth + 1);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(obj) = value.as_object() {
                    let known = map.get("properties").and_then(Value::as_object);
                    for (name, v) in obj {
                        if known.is_some_and(|k| k.contains_key(name)) {
                            continue;
                        }
                        match arg {
                            Value::Bool(false) => out.push(format!("{path}: `{name}` is not in the document")),
                            Value::Bool(true) => {}
                            s => check(doc, s, v, &format!("{path}.{name}"), out, depth + 1),
                        }
                    }
                }
            }
            "propertyNames" => {
                if let Some(obj) = value.as_object() {
                    for name in obj.keys() {
                        check(
                            doc,
                            arg,
                            &Value::from(name.as_str()),
                            &format!("{path}[{name}]"),
                            out,
                            depth + 1,
                        );
                    }
                }
            }
            "items" => {
                for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                    check(doc, arg, v, &format!("{path}.{i}"), out, depth + 1);
                }
            }
            other => out.push(format!("{path}: the checker does not know the keyword `{other}`")),
        }
    }
}

fn violations_at(doc: &Value, schema: &Value, value: &Value, path: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, path, &mut out, depth + 1);
    out
}

fn check_format(format: &str, value: &Value, path: &str, out: &mut Vec<String>) {
    let ok = match (format, value) {
        ("date-time", Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        ("date", Value::String(s)) => s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        ("int32", Value::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        ("int64", Value::Number(n)) => n.is_i64(),
        _ => true,
    };
    if !ok {
        out.push(format!("{path}: {value} is not a valid {format}"));
    }
}
