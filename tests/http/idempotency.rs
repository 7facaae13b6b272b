//! `Idempotency-Key`: a retried POST replays the first answer and acts once.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn a_retried_create_replays_the_first_answer() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let body = json!({"email": "li@example.com", "name": "Li", "password": "long-enough-pw", "role": "rep"});
    let first = app
        .post("/api/v1/users")
        .bearer(&admin)
        .header("Idempotency-Key", "create-li-1")
        .json(&body)
        .expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    // the retry comes with a fresh token, as after a refresh: same caller, same answer
    let again = app.admin_token();
    let second = app
        .post("/api/v1/users")
        .bearer(&again)
        .header("Idempotency-Key", "create-li-1")
        .json(&body)
        .expect(201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json(), first.json());
    assert_eq!(second.header("location"), first.header("location"));
    let users = app.get("/api/v1/users").bearer(&admin).send().expect(200).json();
    assert_eq!(users["data"].as_array().unwrap().len(), 2, "one user created");

    // the same key for another request is a client bug
    let other = json!({"email": "wu@example.com", "name": "Wu", "password": "long-enough-pw", "role": "rep"});
    app.post("/api/v1/users")
        .bearer(&admin)
        .header("Idempotency-Key", "create-li-1")
        .json(&other)
        .problem(422, "idempotency_key_reused");
}

#[test]
fn failed_validation_is_replayed_but_auth_failures_are_not_stored() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let bad = json!({"name": ""});
    let a = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .header("Idempotency-Key", "k1")
        .json(&bad);
    a.problem(422, "validation_failed");
    let b = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .header("Idempotency-Key", "k1")
        .json(&bad);
    b.problem(422, "validation_failed");
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(b.header("content-type"), Some("application/problem+json"));
}
