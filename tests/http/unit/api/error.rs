//! Unit tests of `api::error`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::error::ErrorCode;
use api::error::*;
use persistence::Constraint;
use persistence::RepoError;

/// Every code the server can send is in the published document, under
/// the same spelling it is sent with.
#[test]
fn every_error_code_is_in_the_openapi_document() {
    let spec: serde_json::Value = serde_json::from_str(&api::openapi::spec_json()).expect("spec");
    let listed: Vec<&str> = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode enum in the spec")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(listed.len(), ErrorCode::ALL.len());
    for code in ErrorCode::ALL {
        let sent = serde_json::to_value(code).expect("json");
        assert_eq!(sent, code.as_str(), "{code:?} is sent as {sent}");
        assert!(
            listed.contains(&code.as_str()),
            "{} missing from the spec",
            code.as_str()
        );
    }
    let problem = &spec["components"]["schemas"]["Problem"]["properties"]["code"];
    assert_eq!(problem["$ref"], "#/components/schemas/ErrorCode");
}

#[test]
fn a_logged_cause_names_every_source() {
    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);
    let e = Outer(std::io::Error::other("disk on fire"));
    assert_eq!(chain(&e), "outer: disk on fire");
}

#[test]
fn the_unique_rules_answer_in_business_words() {
    let e = ApiError::from(RepoError::Conflict {
        constraint: Constraint::UserEmail,
    });
    assert_eq!((e.status.as_u16(), e.code), (409, ErrorCode::EmailTaken));
    let e = ApiError::from(RepoError::Conflict {
        constraint: Constraint::Other("x".into()),
    });
    assert_eq!(e.code, ErrorCode::Conflict);
    let problem = serde_json::json!({"$ref": "#/components/schemas/ErrorCode"});
    assert_eq!(problem["$ref"], "#/components/schemas/ErrorCode");
}
