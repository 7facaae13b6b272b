//! Work reports: the figures come from the records of the whole period (a
//! weekly report covers Monday to Sunday), the rep adds their words and
//! submits (the figures freeze), the manager comments and sees who is
//! missing.

use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn log(app: &TestApp, token: &str, customer: i64, kind: &str, at: &str) {
    let a = app
        .post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(token)
        .json(&json!({"kind": kind, "outcome": "跟进"}))
        .expect(201)
        .json();
    app.sql(&format!(
        "UPDATE activities SET occurred_at = '{at}' WHERE id = {}",
        id(&a)
    ));
}

#[test]
fn a_weekly_report_covers_seven_days_and_freezes_on_submission() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(east));
    let north = app.create_department(&admin, "华北", None);
    let zhao = app.user(&admin, "zhao@example.com", "rep", Some(north));
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    app.req("PUT", "/api/v1/targets")
        .bearer(&admin)
        .json(
            &json!({"year": 2026, "metric": "contract_amount", "total": 1_200_000, "split": "equal",
                      "children": [{"department_id": east, "children": [{"user_id": li.id}]}]}),
        )
        .expect(200);
    // the week of Monday 16 November: a visit on Monday, a call on Sunday;
    // the next Monday's call is outside
    let c = CustomerBuilder::new("甲公司").create_dto(&app, &li.token).customer.id;
    app.sql(&format!(
        "UPDATE customers SET created_at = '2026-11-20 04:00:00' WHERE id = {c}"
    ));
    log(&app, &li.token, c, "visit", "2026-11-16 01:00:00");
    log(&app, &li.token, c, "call", "2026-11-22 15:00:00");
    log(&app, &li.token, c, "call", "2026-11-23 02:00:00");
    let k = id(&app
        .post("/api/v1/contracts")
        .bearer(&li.token)
        .json(&json!({"number": "HT-W", "customer_id": c, "title": "合同",
                      "amount": {"amount": 30_000, "currency": "CNY"}, "signed_on": "2026-11-21"}))
        .expect(201)
        .json());
    app.post(&format!("/api/v1/contracts/{k}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200);
    app.post(&format!("/api/v1/contracts/{k}/payments"))
        .bearer(&li.token)
        .json(&json!({"amount": {"amount": 10_000, "currency": "CNY"}, "received_on": "2026-11-22"}))
        .expect(201);

    let r = app
        .post("/api/v1/work-reports")
        .bearer(&li.token)
        .json(&json!({"kind": "weekly", "date": "2026-11-18", "summary": "本周拜访一家"}))
        .expect(201)
        .json();
    let path = format!("/api/v1/work-reports/{}", id(&r));
    assert_eq!(
        (r["period_from"].as_str(), r["period_to"].as_str()),
        (Some("2026-11-16"), Some("2026-11-22"))
    );
    assert_eq!(r["status"], "draft");
    let f = &r["figures"];
    assert_eq!(
        f["activities"],
        json!({"call": 1, "visit": 1}),
        "Monday and Sunday, not the next Monday: {f}"
    );
    assert_eq!(f["new_customers"], 1);
    assert_eq!(
        (f["contracts_signed"].as_u64(), f["contract_amount"].as_i64()),
        (Some(1), Some(30_000))
    );
    assert_eq!(
        (f["payments"].as_u64(), f["collected_amount"].as_i64()),
        (Some(1), Some(10_000))
    );
    assert_eq!(f["customers_won"], 1);
    assert_eq!(f["month"], "2026-11");
    assert_eq!(
        (f["month_target"].as_i64(), f["month_actual"].as_i64()),
        (Some(100_000), Some(30_000))
    );
    assert_eq!(f["month_completion_bp"], 3000);
    let p = app
        .post("/api/v1/work-reports")
        .bearer(&li.token)
        .json(&json!({"kind": "weekly", "date": "2026-11-22"}))
        .problem(409, "work_report_exists");
    assert_eq!(p["context"]["id"], id(&r));
    // only the author edits; the manager comments
    app.patch(&path)
        .bearer(&mgr.token)
        .json(&json!({"plan": "x"}))
        .problem(403, "forbidden");
    let edited = app
        .patch(&path)
        .bearer(&li.token)
        .json(&json!({"problems": "报价偏高", "plan": "下周签约"}))
        .expect(200)
        .json();
    assert_eq!(
        (edited["summary"].as_str(), edited["plan"].as_str()),
        (Some("本周拜访一家"), Some("下周签约"))
    );
    app.post(&format!("{path}/comments"))
        .bearer(&mgr.token)
        .json(&json!({"body": "报价再压一压"}))
        .expect(201);
    app.get(&path).bearer(&zhao.token).send().problem(404, "not_found");
    app.post(&format!("{path}/comments"))
        .bearer(&zhao.token)
        .json(&json!({"body": "?"}))
        .problem(404, "not_found");
    // who is missing
    let missing = |token: &str| -> Vec<i64> {
        let m = app
            .get("/api/v1/work-reports/missing?kind=weekly&date=2026-11-18")
            .bearer(token)
            .send()
            .expect(200)
            .json();
        assert_eq!(m["period_from"], "2026-11-16");
        m["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["user_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(missing(&mgr.token), [mgr.id, li.id, wang.id]);
    // submitting freezes the figures
    let submitted = app
        .post(&format!("{path}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(submitted["status"], "submitted");
    log(&app, &li.token, c, "visit", "2026-11-19 02:00:00");
    let read = app.get(&path).bearer(&mgr.token).send().expect(200).json();
    assert_eq!(read["figures"]["activities"], json!({"call": 1, "visit": 1}), "frozen");
    assert_eq!(read["comments"][0]["body"], "报价再压一压");
    assert_eq!(read["comments"][0]["author_id"], mgr.id);
    app.patch(&path)
        .bearer(&li.token)
        .json(&json!({"plan": "改"}))
        .problem(409, "work_report_submitted");
    assert_eq!(missing(&mgr.token), [mgr.id, wang.id]);
    assert_eq!(missing(&admin).len(), 3, "mgr, wang and zhao");
    let listed = app
        .get("/api/v1/work-reports?kind=weekly&date=2026-11-20")
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["data"][0]["figures"]["contract_amount"], 30_000);
    let theirs = app
        .get("/api/v1/work-reports")
        .bearer(&zhao.token)
        .send()
        .expect(200)
        .json();
    assert!(theirs["data"].as_array().unwrap().is_empty());
}
