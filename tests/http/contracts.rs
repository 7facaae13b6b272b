//! Contracts, approval, payment plans and payments: only drafts are edited,
//! approval above the threshold by the owner's manager wins the deal and
//! deals the customer, plans add up, payments never exceed the contract.

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

struct Team {
    admin: String,
    mgr: TestUser,
    li: TestUser,
    other_mgr: TestUser,
}

fn team(app: &TestApp) -> Team {
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let t = Team {
        mgr: app.user(&admin, "mgr@example.com", "manager", Some(east)),
        li: app.user(&admin, "li@example.com", "rep", Some(east)),
        other_mgr: app.user(&admin, "north-mgr@example.com", "manager", Some(north)),
        admin,
    };
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&t.admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    t
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn cny(amount: i64) -> Value {
    json!({"amount": amount, "currency": "CNY"})
}

fn contract(app: &TestApp, token: &str, customer: i64, number: &str, amount: i64, deal: Option<i64>) -> crm_tests::Res {
    app.post("/api/v1/contracts").bearer(token).json(&json!({
        "number": number, "customer_id": customer, "opportunity_id": deal, "title": "年度供货合同",
        "amount": cny(amount), "signed_on": "2026-11-20", "starts_on": "2026-12-01", "ends_on": "2027-11-30"
    }))
}

#[test]
fn approval_by_the_owners_manager_wins_the_deal_and_deals_the_customer() {
    let app = TestApp::spawn();
    let t = team(&app);
    let customer = CustomerBuilder::new("常州智能装备公司")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let deal = id(&app
        .post("/api/v1/opportunities")
        .bearer(&t.li.token)
        .json(&json!({"customer_id": customer, "title": "产线改造"}))
        .expect(201)
        .json());
    let c = contract(&app, &t.li.token, customer, "HT-2026-001", 5_000_000, Some(deal))
        .expect(201)
        .json();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["owner_id"], t.li.id);
    let path = format!("/api/v1/contracts/{}", id(&c));
    app.patch(&path)
        .bearer(&t.li.token)
        .json(&json!({"title": "年度供货合同（修订）"}))
        .expect(200);
    // refusals: another currency, a taken number, dates backwards
    let p = app
        .post("/api/v1/contracts")
        .bearer(&t.li.token)
        .json(
            &json!({"number": "HT-X", "customer_id": customer, "title": "x", "amount": {"amount": 1, "currency": "USD"},
                      "signed_on": "2026-11-20"}),
        )
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "amount.currency");
    contract(&app, &t.li.token, customer, "HT-2026-001", 100, None).problem(409, "contract_number_taken");
    let submitted = app
        .post(&format!("{path}/submit"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(submitted["status"], "pending_approval");
    app.patch(&path)
        .bearer(&t.li.token)
        .json(&json!({"title": "改"}))
        .problem(409, "contract_state");
    // the owner and another department's manager may not decide it
    app.post(&format!("{path}/approve"))
        .bearer(&t.li.token)
        .json(&json!({}))
        .problem(403, "forbidden");
    app.post(&format!("{path}/approve"))
        .bearer(&t.other_mgr.token)
        .json(&json!({}))
        .problem(404, "not_found");
    let approved = app
        .post(&format!("{path}/approve"))
        .bearer(&t.mgr.token)
        .json(&json!({"note": "同意"}))
        .expect(200)
        .json();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], t.mgr.id);
    let got = app
        .get(&format!("/api/v1/customers/{customer}"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["dealt"], true);
    let d = app
        .get(&format!("/api/v1/opportunities/{deal}"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(d["status"], "won");
    assert_eq!(d["amount"]["amount"], 5_000_000);
    let history = app
        .get(&format!("/api/v1/opportunities/{deal}/history"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["to_stage_id"], d["stage_id"]);
    // at or below the threshold, submitting approves at once
    let small = contract(&app, &t.li.token, customer, "HT-2026-002", 1_000_000, None)
        .expect(201)
        .json();
    let s = app
        .post(&format!("/api/v1/contracts/{}/submit", id(&small)))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(s["status"], "approved");
    // a rejection needs a reason
    let third = contract(&app, &t.li.token, customer, "HT-2026-003", 2_000_000, None)
        .expect(201)
        .json();
    let third_path = format!("/api/v1/contracts/{}", id(&third));
    app.post(&format!("{third_path}/submit"))
        .bearer(&t.li.token)
        .send()
        .expect(200);
    app.post(&format!("{third_path}/reject"))
        .bearer(&t.mgr.token)
        .json(&json!({}))
        .problem(422, "validation_failed");
    let r = app
        .post(&format!("{third_path}/reject"))
        .bearer(&t.admin)
        .json(&json!({"note": "价格过低"}))
        .expect(200)
        .json();
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["decision_note"], "价格过低");
}

#[test]
fn plans_add_up_and_payments_never_exceed_the_contract() {
    let app = TestApp::spawn();
    let t = team(&app);
    let customer = CustomerBuilder::new("扬州漆器工艺厂")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let c = contract(&app, &t.li.token, customer, "HT-9", 5_000_000, None)
        .expect(201)
        .json();
    let path = format!("/api/v1/contracts/{}", id(&c));
    let p = app
        .req("PUT", &format!("{path}/payment-plans"))
        .bearer(&t.li.token)
        .json(&json!({"plans": [{"due_on": "2026-01-31", "amount": cny(2_000_000)},
                                {"due_on": "2099-06-30", "amount": cny(2_999_999)}]}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "plans");
    assert_eq!(p["context"]["difference"], -1);
    let plans = app
        .req("PUT", &format!("{path}/payment-plans"))
        .bearer(&t.li.token)
        .json(&json!({"plans": [{"due_on": "2099-06-30", "amount": cny(3_000_000)},
                                {"due_on": "2026-01-31", "amount": cny(2_000_000)}]}))
        .expect(200)
        .json();
    assert_eq!(plans[0]["due_on"], "2026-01-31");
    assert_eq!(plans[0]["status"], "overdue");
    assert_eq!(plans[1]["status"], "pending");
    // payments wait for approval
    let pay = |amount: i64| {
        app.post(&format!("{path}/payments"))
            .bearer(&t.li.token)
            .json(&json!({"amount": cny(amount), "received_on": "2026-11-25", "method": "bank_transfer"}))
    };
    pay(1_000).problem(409, "contract_state");
    app.post(&format!("{path}/submit"))
        .bearer(&t.li.token)
        .send()
        .expect(200);
    app.post(&format!("{path}/approve"))
        .bearer(&t.mgr.token)
        .json(&json!({}))
        .expect(200);
    let first = pay(2_500_000).expect(201).json();
    assert_eq!(first["owner_id"], t.li.id);
    // ten payments of 1,000,000 at once against 2,500,000 open: exactly two get in
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10).map(|_| s.spawn(|| pay(1_000_000).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 8, "{statuses:?}");
    let p = pay(500_001).problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "amount.amount");
    assert_eq!(p["context"]["open"], 500_000);
    let detail = app.get(&path).bearer(&t.li.token).send().expect(200).json();
    assert_eq!(detail["collected"]["amount"], 4_500_000);
    assert_eq!(detail["plans"][0]["status"], "paid");
    assert_eq!(detail["plans"][1]["status"], "partial");
    assert_eq!(detail["plans"][1]["paid"]["amount"], 2_500_000);
    // receivables: what is still open, in scope
    let r = app
        .get("/api/v1/receivables")
        .bearer(&t.mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert_eq!(r[0]["open"]["amount"], 500_000);
    assert_eq!(r[0]["contract_number"], "HT-9");
    let overdue = app
        .get("/api/v1/receivables?overdue=true")
        .bearer(&t.mgr.token)
        .send()
        .expect(200)
        .json();
    assert!(overdue.as_array().unwrap().is_empty());
    let theirs = app
        .get("/api/v1/receivables")
        .bearer(&t.other_mgr.token)
        .send()
        .expect(200)
        .json();
    assert!(theirs.as_array().unwrap().is_empty());
    // a contract with payments cannot be cancelled; a draft can
    app.post(&format!("{path}/cancel"))
        .bearer(&t.li.token)
        .send()
        .problem(409, "contract_state");
    let draft = contract(&app, &t.li.token, customer, "HT-10", 100, None)
        .expect(201)
        .json();
    let gone = app
        .post(&format!("/api/v1/contracts/{}/cancel", id(&draft)))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(gone["status"], "cancelled");
}

#[test]
fn transfers_and_merges_move_contracts_along() {
    let app = TestApp::spawn();
    let t = team(&app);
    let wang = app.user(&t.admin, "wang@example.com", "rep", None);
    let customer = CustomerBuilder::new("镇江香醋酿造厂")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let c = contract(&app, &t.li.token, customer, "HT-T1", 500_000, None)
        .expect(201)
        .json();
    app.post("/api/v1/customers/transfer")
        .bearer(&t.admin)
        .json(&json!({"customer_ids": [customer], "to_user_id": wang.id}))
        .expect(200);
    let moved = app
        .get(&format!("/api/v1/contracts/{}", id(&c)))
        .bearer(&wang.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(moved["owner_id"], wang.id);
    assert_eq!(moved["department_id"], Value::Null);
    // merged away: the contract follows the survivor
    let dup = CustomerBuilder::new("镇江香醋酿造总厂")
        .create_dto(&app, &wang.token)
        .customer
        .id;
    let c2 = contract(&app, &wang.token, dup, "HT-T2", 100, None).expect(201).json();
    app.post(&format!("/api/v1/customers/{customer}/merge"))
        .bearer(&t.admin)
        .json(&json!({"from_customer_id": dup}))
        .expect(200);
    let got = app
        .get(&format!("/api/v1/contracts/{}", id(&c2)))
        .bearer(&wang.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["customer_id"], customer);
}

#[test]
fn products_price_the_lines_of_deals_and_draft_contracts() {
    let app = TestApp::spawn();
    let t = team(&app);
    let add = |code: &str, price: i64| {
        app.post("/api/v1/products")
            .bearer(&t.admin)
            .json(&json!({"code": code, "name": format!("产品{code}"), "unit": "台", "list_price": cny(price)}))
    };
    let pump = id(&add("P-100", 1_999).expect(201).json());
    let valve = id(&add("V-7", 99).expect(201).json());
    add("P-100", 1).problem(409, "code_taken");
    app.post("/api/v1/products")
        .bearer(&t.li.token)
        .json(&json!({"code": "Z", "name": "z", "list_price": cny(1)}))
        .problem(403, "forbidden");
    let p = app
        .post("/api/v1/products")
        .bearer(&t.admin)
        .json(&json!({"code": "U", "name": "u", "list_price": {"amount": 1, "currency": "USD"}}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "list_price.currency");
    let customer = CustomerBuilder::new("无锡水泵制造厂")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let deal = id(&app
        .post("/api/v1/opportunities")
        .bearer(&t.li.token)
        .json(&json!({"customer_id": customer, "title": "泵站改造"}))
        .expect(201)
        .json());
    // 3 pumps at list price, 10 valves at 0.99 less 5 % (9.405 -> 9.41)
    let lines = app
        .req("PUT", &format!("/api/v1/opportunities/{deal}/line-items"))
        .bearer(&t.li.token)
        .json(&json!({"lines": [{"product_id": pump, "quantity": 3},
                                {"product_id": valve, "quantity": 10, "discount_bp": 500}]}))
        .expect(200)
        .json();
    assert_eq!(lines["amount"]["amount"], 5_997 + 941);
    assert_eq!(lines["lines"][1]["total"], 941);
    let d = app
        .get(&format!("/api/v1/opportunities/{deal}"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(d["amount"]["amount"], 6_938);
    let p = app
        .req("PUT", &format!("/api/v1/opportunities/{deal}/line-items"))
        .bearer(&t.li.token)
        .json(&json!({"lines": [{"product_id": 999_999, "quantity": 1}]}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "lines.0.product_id");
    // a product taken off offer cannot be sold
    app.patch(&format!("/api/v1/products/{valve}"))
        .bearer(&t.admin)
        .json(&json!({"active": false}))
        .expect(200);
    let listed = app
        .get("/api/v1/products?active=true")
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    // a draft contract's lines set its amount; a submitted one's do not change
    let c = contract(&app, &t.li.token, customer, "HT-L1", 100, None)
        .expect(201)
        .json();
    let path = format!("/api/v1/contracts/{}", id(&c));
    app.req("PUT", &format!("{path}/line-items"))
        .bearer(&t.li.token)
        .json(&json!({"lines": [{"product_id": pump, "quantity": 2, "unit_price": 1_500}]}))
        .expect(200);
    let got = app.get(&path).bearer(&t.li.token).send().expect(200).json();
    assert_eq!(got["amount"]["amount"], 3_000);
    app.post(&format!("{path}/submit"))
        .bearer(&t.li.token)
        .send()
        .expect(200);
    app.req("PUT", &format!("{path}/line-items"))
        .bearer(&t.li.token)
        .json(&json!({"lines": [{"product_id": pump, "quantity": 1}]}))
        .problem(409, "contract_state");
}

/// Today, in the organisation's time zone, decides whether a payment plan is
/// overdue: a plan due on the date it is in UTC-12 is overdue in UTC+14
/// (always at least a day later there) and pending in UTC-12.
#[test]
fn due_dates_are_judged_in_the_organisation_time_zone() {
    let app = TestApp::spawn();
    let t = team(&app);
    let got = app
        .get("/api/v1/settings/organisation")
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["time_zone"], "Asia/Shanghai");
    let shanghai = domain::calendar::today(chrono::Utc::now(), domain::calendar::zone("Asia/Shanghai").unwrap());
    assert_eq!(got["today"], shanghai.to_string());
    app.req("PUT", "/api/v1/settings/organisation")
        .bearer(&t.li.token)
        .json(&json!({"time_zone": "UTC"}))
        .problem(403, "forbidden");
    let p = app
        .req("PUT", "/api/v1/settings/organisation")
        .bearer(&t.admin)
        .json(&json!({"time_zone": "Asia/Beijing"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "time_zone");
    let p = app
        .req("PUT", "/api/v1/settings/organisation")
        .bearer(&t.admin)
        .json(&json!({"zone": "UTC"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "zone");
    let west = domain::calendar::zone("Etc/GMT+12").unwrap();
    let due = domain::calendar::today(chrono::Utc::now(), west);
    let customer = CustomerBuilder::new("日界线贸易公司")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let c = contract(&app, &t.li.token, customer, "HT-TZ", 1_000, None)
        .expect(201)
        .json();
    let path = format!("/api/v1/contracts/{}", id(&c));
    app.req("PUT", &format!("{path}/payment-plans"))
        .bearer(&t.li.token)
        .json(&json!({"plans": [{"due_on": due.to_string(), "amount": cny(1_000)}]}))
        .expect(200);
    let status_in = |zone: &str| {
        let saved = app
            .req("PUT", "/api/v1/settings/organisation")
            .bearer(&t.admin)
            .json(&json!({"time_zone": zone}))
            .expect(200)
            .json();
        assert_eq!(saved["time_zone"], zone);
        let detail = app.get(&path).bearer(&t.li.token).send().expect(200).json();
        detail["plans"][0]["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status_in("Pacific/Kiritimati"), "overdue");
    assert_eq!(status_in("Etc/GMT+12"), "pending");
    let after = app
        .get("/api/v1/settings/organisation")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(after["today"], due.to_string());
}
