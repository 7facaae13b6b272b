//! What `make fuzz` (schemathesis against the OpenAPI document) found where the
//! server and its document disagreed, each kept fixed here on both backends:
//! a request the document refuses is refused, one it allows is taken.

use crm_tests::{CustomerBuilder, TestApp};
use serde_json::json;

#[test]
fn an_array_is_not_an_object_even_where_serde_would_take_it() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let guard = app
        .get("/api/v1/settings/data-guard")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let mut body = guard.clone();
    body["rep"] = json!([null, null]);
    let p = app
        .req("PUT", "/api/v1/settings/data-guard")
        .bearer(&admin)
        .json(&body)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "rep", "{p}");
    let mut pool = app
        .get("/api/v1/settings/pool")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    pool["no_follow_up_days"] = json!([null, null]);
    let p = app
        .req("PUT", "/api/v1/settings/pool")
        .bearer(&admin)
        .json(&pool)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "no_follow_up_days", "{p}");
    // nothing changed
    let after = app
        .get("/api/v1/settings/data-guard")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(after, guard);
}

#[test]
fn an_integer_may_be_written_with_a_zero_fraction() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let body = json!({"rep": {"detail_reads_per_day": 300.0, "export_rows_per_day": 4000},
                      "manager": {"detail_reads_per_day": null, "export_rows_per_day": null}});
    let saved = app
        .req("PUT", "/api/v1/settings/data-guard")
        .bearer(&admin)
        .json(&body)
        .expect(200)
        .json();
    assert_eq!(saved["rep"]["detail_reads_per_day"], 300);
    // a fraction is still no integer
    let mut half = body.clone();
    half["rep"]["detail_reads_per_day"] = json!(300.5);
    app.req("PUT", "/api/v1/settings/data-guard")
        .bearer(&admin)
        .json(&half)
        .problem(422, "validation_failed");
    // in the query and the path too
    let customer = CustomerBuilder::new("杭州整数科技").create(&app, &admin);
    let id = customer["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/customers/{id}.0"))
        .bearer(&admin)
        .send()
        .expect(200);
    let page = app
        .get("/api/v1/customers?limit=5.0")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[test]
fn ids_limits_and_years_out_of_range_are_refused_not_ignored() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .get("/api/v1/customers?owner_id=0")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "owner_id");
    let p = app
        .get("/api/v1/notifications?limit=500")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "limit");
    app.get("/api/v1/notifications?before=0")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    // an export takes the list's own page size and so refuses a bad one
    app.get("/api/v1/contracts/export?limit=840")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    // was a 500
    let p = app
        .get("/api/v1/targets/progress?year=2147483647&metric=contract_amount&scope=company")
        .bearer(&admin)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "year");
}

#[test]
fn a_fixed_path_asked_with_another_method_is_405() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let r = app
        .get("/api/v1/commissions/statements/approve?month=2026-11")
        .bearer(&admin)
        .send();
    assert_eq!(r.header("allow"), Some("POST"));
    r.problem(405, "method_not_allowed");
}

#[test]
fn the_duplicate_check_checks_what_it_is_given() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"phone": "12"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "phone");
    let p = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"credit_code": "91440300708461136X"}))
        .problem(422, "validation_failed");
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("credit_code"), Some("checksum"))
    );
    // a name that is only a legal form is something given: it finds nothing
    let found = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"name": "有限公司"}))
        .expect(200)
        .json();
    assert_eq!(found["exact"], json!([]), "{found}");
    app.post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"name": "  "}))
        .problem(422, "validation_failed");
}

#[test]
fn a_phone_is_five_digits_and_an_email_is_judged_as_typed() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let customer = CustomerBuilder::new("深圳五位数字").create(&app, &admin);
    let id = customer["id"].as_i64().unwrap();
    // +86 1234 keeps its country code rather than falling under five digits
    let c = app
        .post(&format!("/api/v1/customers/{id}/contacts"))
        .bearer(&admin)
        .json(&json!({"name": "王五", "phone": "+86 1234", "email": "wang¨@example.com"}))
        .expect(201)
        .json();
    assert_eq!(c["phone"], "+86 1234");
    app.post(&format!("/api/v1/customers/{id}/contacts"))
        .bearer(&admin)
        .json(&json!({"name": "赵六", "phone": "12-34"}))
        .problem(422, "validation_failed");
}
