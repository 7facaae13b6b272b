//! Unit tests of `api::extract`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use actix_web::http::StatusCode;
use api::extract::*;

#[test]
fn escaped_nul_is_found_but_an_escaped_backslash_is_not() {
    assert!(has_escaped_nul(br#"{"name": "a\u0000b"}"#));
    assert!(has_escaped_nul(br#"{"name": "a\\\u0000b"}"#));
    assert!(!has_escaped_nul(br#"{"name": "a\\u0000b"}"#));
    assert!(!has_escaped_nul(br#"{"name": "plain"}"#));
}

#[derive(Debug, serde::Deserialize)]
struct Counted {
    n: i32,
    ids: Vec<i64>,
}

#[test]
fn integers_written_as_floats_are_integers_but_fractions_are_not() {
    let ok: Counted = parse_json(br#"{"n": 5.0, "ids": [1.0, 2]}"#).expect("integral floats");
    assert_eq!((ok.n, ok.ids), (5, vec![1, 2]));
    let err = parse_json::<Counted>(br#"{"n": 5.5, "ids": []}"#).expect_err("a fraction");
    assert_eq!(
        actix_web::ResponseError::status_code(&err),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let err = parse_json::<Counted>(br#"{"n": 1e12, "ids": []}"#).expect_err("out of i32");
    assert_eq!(
        actix_web::ResponseError::status_code(&err),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(parse_json::<Counted>(br#"{"n": 1.0, "ids": []} x"#).is_err());
}
