//! The workbench: one call lists a payment due this month and an overdue
//! one, an overdue lead, a customer about to return to the pool, the hottest
//! deals, customers going cold, a contract awaiting approval; a manager's
//! adds the department's figures.

use chrono::{Duration, Utc};
use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn cny(amount: i64) -> Value {
    json!({"amount": amount, "currency": "CNY"})
}

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn contract(app: &TestApp, li: &TestUser, customer: i64, number: &str, amount: i64) -> i64 {
    let c = app
        .post("/api/v1/contracts")
        .bearer(&li.token)
        .json(&json!({"number": number, "customer_id": customer, "title": "供货合同",
                      "amount": cny(amount), "signed_on": "2026-11-01", "ends_on": "2027-10-31"}))
        .expect(201)
        .json();
    id(&c)
}

#[test]
fn the_workbench_lists_a_users_day_in_one_call() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let zone = domain::calendar::zone("Asia/Shanghai").unwrap();
    let today = domain::calendar::today(Utc::now(), zone);

    // a contract approved at once with one instalment overdue and one due today
    let customer = CustomerBuilder::new("苏州丝绸有限公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let k = contract(&app, &li, customer, "HT-1", 300_000);
    app.req("PUT", &format!("/api/v1/contracts/{k}/payment-plans"))
        .bearer(&li.token)
        .json(&json!({"plans": [{"due_on": "2026-01-31", "amount": cny(100_000)},
                                {"due_on": today.to_string(), "amount": cny(200_000)}]}))
        .expect(200);
    app.post(&format!("/api/v1/contracts/{k}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200);
    // one above the threshold waits for the manager
    let big = contract(&app, &li, customer, "HT-2", 5_000_000);
    app.post(&format!("/api/v1/contracts/{big}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200);
    // a customer owned 28 days and never contacted: due back in the pool in two days
    let cold = CustomerBuilder::new("无锡纺织厂")
        .create_dto(&app, &li.token)
        .customer
        .id;
    app.sql(&format!(
        "UPDATE customers SET owned_since = '{}', last_contacted_at = NULL WHERE id = {cold}",
        ago(28)
    ));
    app.sql(&format!(
        "UPDATE customers SET last_contacted_at = '{}' WHERE id = {customer}",
        ago(1)
    ));
    // a lead past its first-contact deadline
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "赵经理", "phone": "13900001234"}))
        .expect(201)
        .json();
    app.sql(&format!(
        "UPDATE leads SET owner_id = {}, first_contact_due_at = '{}' WHERE id = {}",
        li.id,
        ago(1),
        id(&lead)
    ));
    // two deals in the default pipeline's first stage
    for (title, amount) in [("小单", 100_000), ("大单", 900_000)] {
        app.post("/api/v1/opportunities")
            .bearer(&li.token)
            .json(&json!({"customer_id": customer, "title": title, "amount": cny(amount)}))
            .expect(201);
    }

    let wb = app
        .get("/api/v1/me/workbench")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(wb["today"], today.to_string());
    let overdue = wb["payments_overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{wb}");
    assert_eq!(overdue[0]["plan"]["due_on"], "2026-01-31");
    assert_eq!(overdue[0]["open"], cny(100_000));
    let due = wb["payments_due_this_month"].as_array().unwrap();
    assert_eq!(due.len(), 1, "{wb}");
    assert_eq!(due[0]["plan"]["due_on"], today.to_string());
    assert_eq!(due[0]["contract_number"], "HT-1");
    let leads = wb["leads_awaiting_first_contact"].as_array().unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(
        (leads[0]["lead_id"].as_i64(), leads[0]["overdue"].as_bool()),
        (Some(id(&lead)), Some(true))
    );
    let returns = wb["pool_returns"].as_array().unwrap();
    assert_eq!(returns.len(), 1, "{wb}");
    assert_eq!(returns[0]["customer_id"], cold);
    assert_eq!(returns[0]["reason"], "no_follow_up");
    let hot: Vec<&str> = wb["hottest_deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(hot, ["大单", "小单"]);
    let p = wb["hottest_deals"][0]["probability"].as_i64().unwrap();
    assert_eq!(wb["hottest_deals"][0]["weighted_amount"], cny(900_000 * p / 100));
    // the cold customer (28 days) counts for 7 and 15 days, not 30
    let buckets: Vec<(i64, i64)> = wb["not_contacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["days"].as_i64().unwrap(), b["customers"].as_i64().unwrap()))
        .collect();
    assert_eq!(buckets, [(7, 1), (15, 1), (30, 0), (90, 0), (180, 0)]);
    assert!(
        wb["contracts_awaiting_approval"].as_array().unwrap().is_empty(),
        "a rep approves nothing"
    );
    assert_eq!(wb["department"], Value::Null);
    let expiring = wb["contracts_expiring"].as_array().unwrap();
    assert!(expiring.is_empty(), "HT-1 ends in 2027");

    // the manager: the contract to approve and the department's figures
    let m = app
        .get("/api/v1/me/workbench")
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    let waiting = m["contracts_awaiting_approval"].as_array().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["number"], "HT-2");
    let d = &m["department"];
    assert_eq!(d["users"], 2);
    assert_eq!(
        (d["overdue_count"].as_u64(), d["overdue_amount"]["amount"].as_i64()),
        (Some(1), Some(100_000))
    );
    assert_eq!(d["due_this_month_amount"]["amount"], 200_000);
    assert_eq!(d["open_deals"], 2);
    assert_eq!(d["weighted_pipeline"], cny(1_000_000 * p / 100));
    assert_eq!(d["overdue_leads"], 1);
    assert_eq!(d["not_contacted"][0], json!({"days": 7, "customers": 1}));
    assert!(
        m["payments_overdue"].as_array().unwrap().is_empty(),
        "the manager's own are none"
    );
    // nobody has sent the previous working day's daily report yet; li sends one
    let day = d["daily_reports_day"].as_str().unwrap().to_owned();
    let mut both = vec![mgr.id, li.id];
    both.sort_unstable();
    assert_eq!(d["missing_daily_reports"], json!(both));
    let r = app
        .post("/api/v1/work-reports")
        .bearer(&li.token)
        .json(&json!({"kind": "daily", "date": day, "summary": "拜访两家"}))
        .expect(201)
        .json();
    app.post(&format!("/api/v1/work-reports/{}/submit", id(&r)))
        .bearer(&li.token)
        .send()
        .expect(200);
    let m = app
        .get("/api/v1/me/workbench")
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(m["department"]["missing_daily_reports"], json!([mgr.id]));
}
