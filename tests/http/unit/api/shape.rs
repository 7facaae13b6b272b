//! Unit tests of `api::shape`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::shape::*;
use serde_json::json;

#[test]
fn an_array_where_an_object_is_documented_is_named() {
    let doc = json!({
        "paths": {"/x": {"put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}}},
        "components": {"schemas": {
            "X": {"type": "object", "properties": {"rep": {"$ref": "#/components/schemas/Caps"}, "tags": {"type": ["array", "null"], "items": {"type": "string"}}}},
            "Caps": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}
        }}
    });
    let bad = mismatch(&doc, "PUT", "/x", &json!({"rep": [null, null]})).expect("refused");
    assert_eq!(bad.field, "rep");
    assert_eq!(mismatch(&doc, "PUT", "/x", &json!([null])).expect("top").field, "body");
    assert!(mismatch(&doc, "PUT", "/x", &json!({"rep": {"n": 3}, "tags": ["a"]})).is_none());
    assert!(mismatch(&doc, "PUT", "/x", &json!({"tags": null})).is_none());
    assert_eq!(
        mismatch(&doc, "PUT", "/x", &json!({"tags": [1]})).expect("item").field,
        "tags.0"
    );
    assert!(mismatch(&doc, "GET", "/x", &json!([1])).is_none());
    assert!(
        mismatch(&doc, "PUT", "/x", &json!({"tags": [1.0]})).is_some(),
        "1.0 is an integer, not a string"
    );
}

#[test]
fn a_nullable_reference_takes_null_or_its_object() {
    let doc = json!({
        "paths": {"/p": {"put": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"days": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/D"}]}}
        }}}}}}},
        "components": {"schemas": {"D": {"type": "object", "properties": {"a": {"type": "integer"}}}}}
    });
    assert_eq!(
        mismatch(&doc, "PUT", "/p", &json!({"days": [null, null]}))
            .expect("array")
            .field,
        "days"
    );
    assert_eq!(
        mismatch(&doc, "PUT", "/p", &json!({"days": {"a": [1]}}))
            .expect("nested")
            .field,
        "days.a"
    );
    assert!(mismatch(&doc, "PUT", "/p", &json!({"days": null})).is_none());
    assert!(mismatch(&doc, "PUT", "/p", &json!({"days": {"a": 5.0}})).is_none());
}

#[test]
fn a_body_that_may_hold_text_of_only_white_space_is_found_by_a_byte_scan() {
    for blank in [
        r#"{"a": "   "}"#,
        r#"{"a": "\t\n"}"#,
        r#"{"a": "x", "b": "\u3000"}"#,
        "{\"a\": \"\u{3000}\u{a0}\"}",
        r#"["ok", " "]"#,
    ] {
        assert!(has_blank_string(blank.as_bytes()), "{blank}");
    }
    for filled in [
        r#"{"a": "x y"}"#,
        r#"{"a": "", "b": "cafe"}"#,
        r#"{"a": "\" \""}"#,
        r#"{"a": 5, "b": [1, 2]}"#,
        r#"{"a": "\\ "}"#,
        "",
        "\"",
    ] {
        assert!(!has_blank_string(filled.as_bytes()), "{filled}");
    }
}

#[test]
fn text_of_only_white_space_is_refused_where_text_is_required() {
    let doc = json!({
        "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}}},
        "components": {"schemas": {
            "X": {"type": "object", "properties": {
                "number": {"type": "string", "minLength": 1, "pattern": api::doc_rules::filled_pattern()},
                "email": {"type": "string", "minLength": 1, "pattern": "^\\s*$|@"},
                "notes": {"type": ["string", "null"]}
            }}
        }}
    });
    let bad = mismatch(&doc, "POST", "/x", &json!({"number": "   "})).expect("refused");
    assert_eq!((bad.field.as_str(), bad.code.as_str()), ("number", "length"));
    assert!(mismatch(&doc, "POST", "/x", &json!({"number": " 7 ", "notes": "  "})).is_none());
    assert!(
        mismatch(&doc, "POST", "/x", &json!({"email": "  "})).is_none(),
        "a field whose own pattern takes white space keeps it"
    );
    assert!(
        mismatch(&doc, "POST", "/x", &json!({"number": ""})).is_none(),
        "left to the length check"
    );
}
