//! Reports over small hand-made data sets whose every figure is computed by
//! hand in the tests: funnel, rankings, forecast, customer analysis.

mod activity_counts;
mod competition;
mod customers;
mod forecast;
mod funnel;
mod kpi;
mod rankings;

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

pub struct Team {
    pub admin: String,
    pub east: i64,
    pub li: TestUser,
    pub wang: TestUser,
}

pub fn team(app: &TestApp) -> Team {
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    Team {
        li: app.user(&admin, "li@example.com", "rep", Some(east)),
        wang: app.user(&admin, "wang@example.com", "rep", Some(north)),
        east,
        admin,
    }
}

/// The organisation's amounts are in CNY (contracts above 1,000,000 need approval).
pub fn in_cny(app: &TestApp, t: &Team) {
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&t.admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// `2026-11-<day> 04:00` UTC (noon in Shanghai), as stored.
pub fn nov(day: u32) -> String {
    format!("2026-11-{day:02} 04:00:00")
}

pub const DAY: i64 = 86_400;

/// A pipeline 初步接洽 (10 %, target 50 %) -> 商务谈判 (50 %, target 80 %) -> won / lost.
pub fn pipeline(app: &TestApp, admin: &str) -> (i64, i64, i64, i64, i64) {
    let p = app
        .post("/api/v1/pipelines")
        .bearer(admin)
        .json(&json!({"name": "报表测试", "allow_skip": true, "stages": [
            {"name": "初步接洽", "probability": 10, "kind": "open", "target_conversion_bp": 5000},
            {"name": "商务谈判", "probability": 50, "kind": "open", "target_conversion_bp": 8000},
            {"name": "赢单", "probability": 100, "kind": "won"},
            {"name": "输单", "probability": 0, "kind": "lost"}
        ]}))
        .expect(201)
        .json();
    let s: Vec<i64> = p["stages"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(p["stages"][0]["target_conversion_bp"], 5000);
    (id(&p), s[0], s[1], s[2], s[3])
}

pub fn deal(app: &TestApp, token: &str, pipeline: i64, name: &str, amount: Option<i64>) -> i64 {
    let customer = CustomerBuilder::new(name).create_dto(app, token).customer.id;
    let mut body = json!({"customer_id": customer, "title": name, "pipeline_id": pipeline});
    if let Some(a) = amount {
        body["amount"] = json!({"amount": a, "currency": "CNY"});
    }
    id(&app
        .post("/api/v1/opportunities")
        .bearer(token)
        .json(&body)
        .expect(201)
        .json())
}

pub fn go(app: &TestApp, token: &str, deal: i64, stage: i64, extra: Value) {
    let mut body = json!({"to_stage_id": stage});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.post(&format!("/api/v1/opportunities/{deal}/transitions"))
        .bearer(token)
        .json(&body)
        .expect(200);
}

/// Dates the deal's entry into `to` (and its time in the stage before).
pub fn entered(app: &TestApp, deal: i64, to: i64, at: &str, seconds_before: i64) {
    app.sql(&format!(
        "UPDATE stage_changes SET changed_at = '{at}', seconds_in_from = {seconds_before} \
         WHERE opportunity_id = {deal} AND to_stage_id = {to}"
    ));
}

pub fn dates(app: &TestApp, deal: i64, created: &str, closed: Option<&str>) {
    let closed = closed.map_or("closed_at".to_owned(), |c| format!("'{c}'"));
    app.sql(&format!(
        "UPDATE opportunities SET created_at = '{created}', closed_at = {closed} WHERE id = {deal}"
    ));
}

pub fn activity(app: &TestApp, token: &str, deal: i64, at: &str) {
    let customer = app
        .get(&format!("/api/v1/opportunities/{deal}"))
        .bearer(token)
        .send()
        .expect(200)
        .json()["customer_id"]
        .as_i64()
        .unwrap();
    let a = app
        .post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(token)
        .json(&json!({"kind": "meeting", "opportunity_id": deal, "outcome": "谈价格"}))
        .expect(201)
        .json();
    app.sql(&format!(
        "UPDATE activities SET occurred_at = '{at}' WHERE id = {}",
        id(&a)
    ));
}

pub fn approved_contract(app: &TestApp, token: &str, customer: i64, number: &str, amount: i64, signed_on: &str) -> i64 {
    let k = id(&app
        .post("/api/v1/contracts")
        .bearer(token)
        .json(&json!({"number": number, "customer_id": customer, "title": "合同",
                      "amount": {"amount": amount, "currency": "CNY"}, "signed_on": signed_on}))
        .expect(201)
        .json());
    let submitted = app
        .post(&format!("/api/v1/contracts/{k}/submit"))
        .bearer(token)
        .send()
        .expect(200)
        .json();
    assert_eq!(submitted["status"], "approved");
    k
}
