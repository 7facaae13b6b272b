//! Unit tests of `api::middleware`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use actix_web::http::StatusCode;
use api::middleware::*;
use api::route_table::*;

#[test]
fn route_table_matches_templates() {
    let t = RouteTable {
        routes: vec![
            (
                "/api/v1/users".split('/').map(str::to_owned).collect(),
                vec!["GET".into(), "POST".into()],
            ),
            (
                "/api/v1/users/{id}".split('/').map(str::to_owned).collect(),
                vec!["GET".into(), "PATCH".into()],
            ),
        ],
    };
    assert_eq!(t.allowed("/api/v1/users"), Some(vec!["GET".into(), "POST".into()]));
    assert_eq!(t.allowed("/api/v1/users/7"), Some(vec!["GET".into(), "PATCH".into()]));
    assert_eq!(t.allowed("/api/v1/users/7/x"), None);
    assert_eq!(t.allowed("/api/v1/users/"), None);
    let with_fixed = RouteTable {
        routes: vec![
            (
                "/c/{id}".split('/').map(str::to_owned).collect(),
                vec!["GET".into(), "PATCH".into()],
            ),
            ("/c/deleted".split('/').map(str::to_owned).collect(), vec!["GET".into()]),
        ],
    };
    assert_eq!(with_fixed.allowed("/c/deleted"), Some(vec!["GET".into()]));
    assert_eq!(with_fixed.allowed("/c/7"), Some(vec!["GET".into(), "PATCH".into()]));
}

#[test]
fn only_stable_answers_are_replayed() {
    assert!(replayable(StatusCode::CREATED));
    assert!(replayable(StatusCode::UNPROCESSABLE_ENTITY));
    assert!(replayable(StatusCode::CONFLICT));
    assert!(!replayable(StatusCode::UNAUTHORIZED));
    assert!(!replayable(StatusCode::TOO_MANY_REQUESTS));
    assert!(!replayable(StatusCode::INTERNAL_SERVER_ERROR));
}
