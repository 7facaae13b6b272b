//! A request body's JSON types checked against the OpenAPI document. serde's
//! derived structs also accept a JSON array, filling the fields in order
//! (`[null, null]` reads as a struct of two absent fields), so a body the
//! document refuses would be taken. Only a body that holds an array is
//! walked, after serde has read it: where the document wants an object, a
//! string or a number, an array is refused with 422 naming the field (found by
//! `make fuzz`).

use domain::vocabulary::FieldCode;
use serde_json::Value;

use crate::error::FieldError;

/// The served document (app data), shared by every worker.
#[derive(Debug, Clone)]
pub struct Document(pub std::sync::Arc<Value>);

/// The first place `body` has another JSON type than the request body schema
/// of `method pattern` says; `None` when it agrees or the document has no
/// schema for it.
pub fn mismatch(doc: &Value, method: &str, pattern: &str, body: &Value) -> Option<FieldError> {
    let op = doc.get("paths")?.get(pattern)?.get(method.to_ascii_lowercase())?;
    let schema = op.pointer("/requestBody/content/application~1json/schema")?;
    walk(doc, body, schema, String::new(), 0)
}

fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> Option<&'a Value> {
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = doc.pointer(r.strip_prefix('#')?)?,
            None => return Some(schema),
        }
    }
    None
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        // 5.0 is an integer to JSON Schema (and to serde here, see extract::integral_floats)
        Value::Number(n) if n.is_u64() || integral_number(n).is_some() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allows(types: &Value, actual: &str) -> bool {
    let one = |t: &str| t == actual || (t == "number" && actual == "integer");
    match types {
        Value::String(t) => one(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(doc: &Value, value: &Value, schema: &Value, path: String, depth: usize) -> Option<FieldError> {
    let schema = resolve(doc, schema)?;
    if depth > 32 {
        return None;
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        if let Some(e) = walk(doc, value, part, path.clone(), depth + 1) {
            return Some(e);
        }
    }
    let actual = json_type(value);
    let fits = |branch: &&Value| branch.get("type").is_none_or(|t| allows(t, actual));
    for key in ["oneOf", "anyOf"] {
        let Some(branches) = schema.get(key).and_then(Value::as_array) else {
            continue;
        };
        let fitting: Vec<&Value> = branches.iter().filter_map(|b| resolve(doc, b)).filter(fits).collect();
        match fitting.as_slice() {
            [] => {
                let field = if path.is_empty() { "body".to_owned() } else { path };
                return Some(FieldError::new(field, FieldCode::InvalidType, format!("not {actual}")));
            }
            [only] => return walk(doc, value, only, path, depth + 1),
            _ => {}
        }
    }
    if let Some(types) = schema.get("type")
        && !allows(types, actual)
    {
        let field = if path.is_empty() { "body".to_owned() } else { path };
        return Some(FieldError::new(
            field,
            FieldCode::InvalidType,
            format!("expected {types}, not {actual}"),
        ));
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties");
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            map.iter().find_map(|(k, v)| {
                let inner = props.and_then(|p| p.get(k)).or(extra)?;
                walk(doc, v, inner, join(&path, k), depth + 1)
            })
        }
        Value::String(s)
            if !s.is_empty()
                && s.trim().is_empty()
                && schema.get("pattern").and_then(Value::as_str) == Some(crate::white_space::filled_pattern()) =>
        {
            let field = if path.is_empty() { "body".to_owned() } else { path };
            Some(FieldError::new(
                field,
                FieldCode::Length,
                "only white space: write at least one other character",
            ))
        }
        Value::Array(items) => {
            let inner = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(doc, v, inner, join(&path, &i.to_string()), depth + 1))
        }
        _ => None,
    }
}

/// Whether a JSON text holds a string of white space only (`"  "`,
/// `"\t"`, `"\u3000"`): a byte scan, so the body is read a second time (and
/// walked with [`mismatch`]) only when it may hold one.
pub fn has_blank_string(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(open) = bytes[i..].iter().position(|b| *b == b'"') {
        let start = i + open + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let inner = &bytes[start..j.min(bytes.len())];
        // only white space, escapes of it and non-ASCII can make a blank string
        let may_be_blank = !inner.is_empty()
            && inner.iter().all(|b| {
                matches!(b, b' ' | b'\\' | b't' | b'n' | b'r' | b'f' | b'u') || b.is_ascii_hexdigit() || *b >= 0x80
            });
        if may_be_blank
            && let Ok(text) = serde_json::from_slice::<String>(&bytes[start - 1..(j + 1).min(bytes.len())])
            && text.trim().is_empty()
        {
            return true;
        }
        i = j + 1;
        if i >= bytes.len() {
            break;
        }
    }
    false
}

/// A JSON number as an integer when it is one (`5` or `5.0`, exactly
/// representable); the body reader and the shape check agree through it.
pub fn integral_number(n: &serde_json::Number) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // the range check makes the cast exact
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}
