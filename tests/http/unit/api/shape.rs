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
