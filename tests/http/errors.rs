//! Whatever a client sends wrong, the answer is a 4xx problem+json naming it.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn malformed_json_is_400_problem() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .body("application/json", "{\"name\": ")
        .problem(400, "malformed_json");
    assert!(p["detail"].as_str().unwrap().contains("not valid JSON"), "{p}");
    app.post("/api/v1/departments")
        .bearer(&admin)
        .body("application/json", "")
        .problem(400, "malformed_json");
}

#[test]
fn unknown_fields_are_named() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(
            &json!({"email": "a@example.com", "name": "A", "password": "long-enough-pw", "role": "rep", "owner_id": 1}),
        )
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "owner_id");
    assert_eq!(p["errors"][0]["code"], "unknown_field");
    // nothing was half-written
    let users = app.get("/api/v1/users").bearer(&admin).send().expect(200).json();
    assert_eq!(users["data"].as_array().unwrap().len(), 1);
}

#[test]
fn invalid_fields_are_each_named() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "not-an-email", "name": "A", "password": "short", "role": "manager"}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "department_id"]);
    let p = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "b@example.com", "name": "B", "password": "long-enough-pw", "role": "boss"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "role");
    let p = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .json(&json!({"name": ""}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "name");
    let p = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .json(&json!({"name": 5}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][0]["code"], "invalid_type");
    let p = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .json(&json!({}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][0]["code"], "required");
}

#[test]
fn wrong_content_type_and_oversized_bodies() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.post("/api/v1/departments")
        .bearer(&admin)
        .body("text/plain", "{\"name\":\"x\"}")
        .problem(415, "unsupported_media_type");
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024));
    app.post("/api/v1/departments")
        .bearer(&admin)
        .body("application/json", &huge)
        .problem(413, "body_too_large");
}

#[test]
fn unknown_routes_wrong_methods_and_bad_parameters() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.get("/api/v1/nothing-here").send().problem(404, "no_route");
    let res = app.req("PUT", "/api/v1/users").bearer(&admin).send();
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("GET, POST"));
    let res = app.req("PUT", "/api/v1/departments/3").send();
    res.problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("DELETE, GET, PATCH"));
    let p = app
        .get("/api/v1/users/abc")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_path");
    assert_eq!(p["errors"][0]["field"], "id");
    let p = app
        .get("/api/v1/users?limit=many")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "limit");
    let p = app
        .get("/api/v1/users?limit=500")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "limit");
    let p = app
        .get("/api/v1/users?colour=red")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "colour");
    let p = app
        .get("/api/v1/users?sort=password_hash")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "sort");
    app.get("/api/v1/users?cursor=bogus")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_cursor");
    app.get("/api/v1/users?updated_since=yesterday")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    app.get("/api/v1/users/999")
        .bearer(&admin)
        .send()
        .problem(404, "not_found");
}

#[test]
fn nul_characters_are_refused_before_the_database_sees_them() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.post("/api/v1/customers")
        .bearer(&admin)
        .body("application/json", r#"{"name": "华为\u0000技术"}"#)
        .problem(422, "validation_failed");
    let p = app
        .get("/api/v1/customers?q=%00")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "q");
    // an escaped backslash before u0000 is ordinary text
    app.post("/api/v1/departments")
        .bearer(&admin)
        .body("application/json", r#"{"name": "a\\u0000b"}"#)
        .expect(201);
}

#[test]
fn nul_characters_in_forms_and_import_rows_are_invalid_not_500() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let form = app
        .post("/api/v1/lead-forms")
        .bearer(&admin)
        .json(&json!({"name": "f"}))
        .expect(201)
        .json();
    let path = format!("/api/v1/forms/{}/submissions", form["public_key"].as_str().unwrap());
    app.post(&path)
        .body(
            "application/x-www-form-urlencoded",
            "person_name=a%00b&phone=13800001111",
        )
        .problem(422, "validation_failed");
    let nd = "{\"person_name\":\"a\\u0000b\",\"phone\":\"13800001111\"}\n";
    let r = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .body("application/x-ndjson", nd)
        .expect(200)
        .json();
    assert_eq!(r["rows"][0]["status"], "invalid");
    assert_eq!(r["rows"][0]["errors"][0]["code"], "nul_character");
    let csv = "person_name,phone\n\"a\u{0}b\",13800001111\n";
    let r = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .body("text/csv", csv)
        .expect(200)
        .json();
    assert_eq!(r["summary"]["invalid"], 1);
}

#[test]
fn a_negative_amount_is_422_not_a_database_error() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let c = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "负数公司"}))
        .expect(201)
        .json();
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&json!({"customer_id": c["id"], "title": "t"}))
        .expect(201)
        .json();
    let money = json!({"amount": {"amount": -5, "currency": "CNY"}});
    let p = app
        .patch(&format!("/api/v1/opportunities/{}", deal["id"]))
        .bearer(&admin)
        .json(&money)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "amount.amount");
    let mut create = json!({"customer_id": c["id"], "title": "t2"});
    create["amount"] = money["amount"].clone();
    app.post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&create)
        .problem(422, "validation_failed");
}
