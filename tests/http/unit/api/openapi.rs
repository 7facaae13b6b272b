//! Unit tests of `api::openapi`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

/// Every response object of every operation has a description (strict
/// OpenAPI validators and generators such as openapi-python-client
/// refuse the document otherwise).
#[test]
fn every_response_has_a_description() {
    let doc: serde_json::Value = serde_json::from_str(&api::openapi::spec_json()).expect("spec");
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for (code, r) in op["responses"].as_object().into_iter().flatten() {
                if r.get("$ref").is_none() && r["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{method} {path} {code}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "responses without a description: {missing:?}");
}
