//! Commission statements: tiers of target attainment paid marginally, a
//! bonus at the target, approval freezing a month, and a later change to an
//! approved month paid as the next month's adjustment.

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn contract(app: &TestApp, li: &TestUser, customer: i64, number: &str, amount: i64, signed_on: &str) -> i64 {
    let k = id(&app
        .post("/api/v1/contracts")
        .bearer(&li.token)
        .json(&json!({"number": number, "customer_id": customer, "title": "合同",
                      "amount": {"amount": amount, "currency": "CNY"}, "signed_on": signed_on}))
        .expect(201)
        .json());
    app.post(&format!("/api/v1/contracts/{k}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200);
    k
}

/// li's November target is 100,000 (1,200,000 a year in equal months). The
/// plan pays 3 % up to the target and 5 % above, and 2,000 at the target.
/// Two contracts, 60,000 on 5 November and 70,000 on 20 November: the second
/// crosses the target, so 3 % of 100,000 + 5 % of 30,000 + 2,000 = 6,500.
#[test]
fn a_statement_pays_tiers_and_bonus_and_an_approved_month_stays_frozen() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(north));
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
    let plan = json!({"name": "华东提成", "base": "contract_amount", "department_id": east, "valid_from": "2026-01-01",
                      "tiers": [{"up_to_bp": 10000, "rate_bp": 300}, {"up_to_bp": null, "rate_bp": 500}],
                      "bonus": {"at_bp": 10000, "amount": 2000}});
    app.post("/api/v1/commissions/plans")
        .bearer(&li.token)
        .json(&plan)
        .problem(403, "forbidden");
    let mut bad = plan.clone();
    bad["tiers"][0]["up_to_bp"] = Value::Null;
    let p = app
        .post("/api/v1/commissions/plans")
        .bearer(&admin)
        .json(&bad)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "tiers.0.up_to_bp");
    app.post("/api/v1/commissions/plans")
        .bearer(&admin)
        .json(&plan)
        .expect(201);
    let c = CustomerBuilder::new("提成客户").create_dto(&app, &li.token).customer.id;
    let k1 = contract(&app, &li, c, "HT-1", 60_000, "2026-11-05");
    contract(&app, &li, c, "HT-2", 70_000, "2026-11-20");
    app.post(&format!("/api/v1/contracts/{k1}/payments"))
        .bearer(&li.token)
        .json(&json!({"amount": {"amount": 10_000, "currency": "CNY"}, "received_on": "2026-11-25"}))
        .expect(201);

    let mine = format!("/api/v1/commissions/statements/{}?month=2026-11", li.id);
    let s = app.get(&mine).bearer(&li.token).send().expect(200).json();
    assert_eq!(s["status"], "open");
    assert_eq!(s["plan_name"], "华东提成");
    assert_eq!(
        (s["target"]["amount"].as_i64(), s["actual"]["amount"].as_i64()),
        (Some(100_000), Some(130_000))
    );
    assert_eq!(
        (s["attainment_bp"].as_i64(), s["tier"].as_u64()),
        (Some(13_000), Some(1))
    );
    assert_eq!(
        (s["commission"]["amount"].as_i64(), s["bonus"]["amount"].as_i64()),
        (Some(4_500), Some(2_000))
    );
    assert_eq!(s["total"], json!({"amount": 6_500, "currency": "CNY"}));
    let lines: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        ["HT-1", "HT-2"],
        "contracts count on a contract-amount plan, the payment does not"
    );
    // nobody else's
    app.get(&mine).bearer(&wang.token).send().problem(404, "not_found");
    let theirs = app
        .get("/api/v1/commissions/statements?month=2026-11")
        .bearer(&wang.token)
        .send()
        .expect(200)
        .json();
    let users: Vec<i64> = theirs["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(users, [wang.id]);
    // awards and penalties: by a manager, for a rep of their reach
    let award = |token: &str, user: i64, kind: &str, amount: i64| {
        app.post("/api/v1/commissions/awards")
            .bearer(token)
            .json(&json!({"user_id": user, "kind": kind, "reason": "月度评比", "month": "2026-11", "amount": amount}))
    };
    award(&li.token, li.id, "award", 1_000).problem(403, "forbidden");
    award(&mgr.token, wang.id, "award", 1_000).problem(404, "not_found");
    award(&mgr.token, mgr.id, "award", 1_000).problem(404, "not_found");
    award(&mgr.token, li.id, "award", 1_000).expect(201);
    award(&mgr.token, li.id, "penalty", 300).expect(201);
    let s = app.get(&mine).bearer(&li.token).send().expect(200).json();
    assert_eq!(s["awards"].as_array().unwrap().len(), 2);
    assert_eq!(s["total"]["amount"], 7_200, "6,500 + 1,000 - 300");
    let ranked = app
        .get("/api/v1/reports/rankings?period=month&date=2026-11-15")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let row = ranked["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == li.id)
        .unwrap()
        .clone();
    assert_eq!((row["awards"].as_u64(), row["penalties"].as_u64()), (Some(1), Some(1)));
    // the manager approves November; a rep may not
    app.post("/api/v1/commissions/statements/approve")
        .bearer(&li.token)
        .json(&json!({"month": "2026-11"}))
        .problem(403, "forbidden");
    let a = app
        .post("/api/v1/commissions/statements/approve")
        .bearer(&mgr.token)
        .json(&json!({"month": "2026-11"}))
        .expect(200)
        .json();
    assert_eq!(a["approved"], 1, "li; not the manager's own");
    // a contract backdated into November after approval: November stays, December adjusts
    contract(&app, &li, c, "HT-3", 10_000, "2026-11-28");
    let nov = app.get(&mine).bearer(&li.token).send().expect(200).json();
    assert_eq!(
        (nov["status"].as_str(), nov["total"]["amount"].as_i64()),
        (Some("approved"), Some(7_200))
    );
    assert_eq!(nov["lines"].as_array().unwrap().len(), 2);
    let dec_path = format!("/api/v1/commissions/statements/{}?month=2026-12", li.id);
    let dec = app.get(&dec_path).bearer(&li.token).send().expect(200).json();
    // November now earns 3,000 + 5 % of 40,000 + 2,000 (and the 700 of awards): 500 more
    assert_eq!(
        dec["adjustments"],
        json!([{"month": "2026-11", "amount": {"amount": 500, "currency": "CNY"}}])
    );
    assert_eq!(
        (dec["commission"]["amount"].as_i64(), dec["total"]["amount"].as_i64()),
        (Some(0), Some(500))
    );
    app.post("/api/v1/commissions/statements/approve")
        .bearer(&mgr.token)
        .json(&json!({"month": "2026-12"}))
        .expect(200);
    let jan = app
        .get(&format!("/api/v1/commissions/statements/{}?month=2027-01", li.id))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert!(
        jan["adjustments"].as_array().unwrap().is_empty(),
        "settled in December: {jan}"
    );
    let csv = app
        .get("/api/v1/commissions/statements.csv?month=2026-12")
        .bearer(&mgr.token)
        .send()
        .expect(200);
    assert!(csv.body.starts_with("user_id,name,month,status,"), "{}", csv.body);
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with(&format!("{},li@example.com,2026-12,approved,", li.id)) && l.ends_with(",500,CNY")),
        "{}",
        csv.body
    );
    app.get("/api/v1/commissions/statements?month=2026-13")
        .bearer(&mgr.token)
        .send()
        .problem(422, "validation_failed");
}

/// `rep`'s own statement of `month`, checked against the published document.
fn statement(app: &TestApp, rep: &TestUser, month: &str) -> api::routes::commissions::StatementDto {
    let res = app
        .get(&format!("/api/v1/commissions/statements/{}?month={month}", rep.id))
        .bearer(&rep.token)
        .send()
        .expect(200);
    crm_tests::conform::assert_conforms("get", "/api/v1/commissions/statements/{user_id}", 200, &res.json());
    res.dto()
}

/// A month can end below zero: li's approved November paid 3 % of a
/// 100,000 contract (3,000); the contract is cancelled after approval, so
/// December takes the 3,000 back, and a penalty of 500 comes on top: a
/// December total of -3,500. Every statement answer, in every form, conforms
/// to the published document (which says where money may be negative).
#[test]
fn a_claw_back_and_a_penalty_leave_a_negative_total_that_the_document_allows() {
    use api::routes::commissions::Statements;
    use crm_tests::conform::assert_conforms;

    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    app.post("/api/v1/commissions/plans")
        .bearer(&admin)
        .json(
            &json!({"name": "华东提成", "base": "contract_amount", "department_id": east, "valid_from": "2026-01-01",
                      "tiers": [{"up_to_bp": null, "rate_bp": 300}]}),
        )
        .expect(201);
    let c = CustomerBuilder::new("退单客户").create_dto(&app, &li.token).customer.id;
    let k = contract(&app, &li, c, "HT-1", 100_000, "2026-11-05");
    assert_eq!(statement(&app, &li, "2026-11").total.amount(), 3_000);
    app.post("/api/v1/commissions/statements/approve")
        .bearer(&mgr.token)
        .json(&json!({"month": "2026-11"}))
        .expect(200);
    app.post(&format!("/api/v1/contracts/{k}/cancel"))
        .bearer(&li.token)
        .send()
        .expect(200);
    app.post("/api/v1/commissions/awards")
        .bearer(&mgr.token)
        .json(&json!({"user_id": li.id, "kind": "penalty", "reason": "客户投诉", "month": "2026-12", "amount": 500}))
        .expect(201);

    let s = statement(&app, &li, "2026-12");
    let adjustments: Vec<(&str, i64)> = s
        .adjustments
        .iter()
        .map(|a| (a.month.as_str(), a.amount.amount()))
        .collect();
    assert_eq!(adjustments, [("2026-11", -3_000)], "the claw-back");
    assert_eq!((s.commission.amount(), s.total.amount()), (0, -3_500));
    assert_eq!(s.total.currency().as_str(), "CNY");
    // the list, as the manager and as the rep, says the same
    for token in [&mgr.token, &li.token] {
        let list = app
            .get("/api/v1/commissions/statements?month=2026-12")
            .bearer(token)
            .send()
            .expect(200);
        assert_conforms("get", "/api/v1/commissions/statements", 200, &list.json());
        let list: Statements = list.dto();
        let mine = list
            .statements
            .iter()
            .find(|s| s.user_id == li.id)
            .expect("li's statement");
        assert_eq!(mine.total.amount(), -3_500);
    }
    // approved, it stays negative and still conforms
    app.post("/api/v1/commissions/statements/approve")
        .bearer(&mgr.token)
        .json(&json!({"month": "2026-12"}))
        .expect(200);
    let frozen = statement(&app, &li, "2026-12");
    assert_eq!((frozen.status.as_str(), frozen.total.amount()), ("approved", -3_500));
    let csv = app
        .get("/api/v1/commissions/statements.csv?month=2026-12")
        .bearer(&mgr.token)
        .send()
        .expect(200);
    assert!(
        csv.body
            .lines()
            .any(|l| l.starts_with(&format!("{},", li.id)) && l.ends_with(",-3000,-3500,CNY")),
        "{}",
        csv.body
    );
}

/// The checker itself: the old document's `Money` (minimum 0) refuses a
/// negative total, so the test above could fail.
#[test]
fn the_conformance_check_refuses_negative_money_where_the_document_forbids_it() {
    use crm_tests::conform::{published, violations};
    let doc = published();
    let money = json!({"$ref": "#/components/schemas/Money"});
    assert!(violations(doc, &money, &json!({"amount": 5, "currency": "CNY"})).is_empty());
    let v = violations(doc, &money, &json!({"amount": -5, "currency": "CNY"}));
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("minimum"), "{v:?}");
    assert!(!violations(doc, &money, &json!({"amount": 5, "currency": "CNY", "x": 1})).is_empty());
    assert!(!violations(doc, &money, &json!({"amount": 5})).is_empty());
    // one amount is at most 10^15 minor units; a sum may hold more
    let v = violations(
        doc,
        &money,
        &json!({"amount": 1_000_000_000_000_001_i64, "currency": "CNY"}),
    );
    assert!(v.len() == 1 && v[0].contains("maximum"), "{v:?}");
    let sum = json!({"$ref": "#/components/schemas/MoneyTotal"});
    assert!(violations(doc, &sum, &json!({"amount": i64::MAX, "currency": "CNY"})).is_empty());
    assert!(!violations(doc, &sum, &json!({"amount": -5, "currency": "CNY"})).is_empty());
    let signed = json!({"$ref": "#/components/schemas/SignedTotal"});
    assert!(violations(doc, &signed, &json!({"amount": -5, "currency": "CNY"})).is_empty());
}

/// Plans are personal pay terms: each caller lists those that can apply to
/// the people they see (issue #40 item 10; it listed every plan to anyone).
#[test]
fn each_caller_lists_only_the_plans_that_can_apply_to_the_people_they_see() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let zhao = app.user(&admin, "zhao@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(north));
    let plan = |name: &str, department: Option<i64>, user: Option<i64>| {
        app.post("/api/v1/commissions/plans")
            .bearer(&admin)
            .json(
                &json!({"name": name, "base": "contract_amount", "valid_from": "2026-01-01",
                          "department_id": department, "user_id": user,
                          "tiers": [{"up_to_bp": null, "rate_bp": 300}]}),
            )
            .expect(201);
    };
    plan("全公司", None, None);
    plan("华东", Some(east), None);
    plan("华北", Some(north), None);
    plan("李雷个人", None, Some(li.id));
    plan("赵个人", None, Some(zhao.id));
    plan("王个人", None, Some(wang.id));
    let names = |token: &str| -> Vec<String> {
        let list = app
            .get("/api/v1/commissions/plans")
            .bearer(token)
            .send()
            .expect(200)
            .json();
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&admin).len(), 6);
    assert_eq!(names(&mgr.token), ["全公司", "华东", "李雷个人", "赵个人"]);
    assert_eq!(names(&li.token), ["全公司", "华东", "李雷个人"]);
    assert_eq!(names(&wang.token), ["全公司", "华北", "王个人"]);
}

/// Issue #40 item 9: months are 1900-01 to 2199-12 (0000-01 was answered
/// as "0-01"), and a month's statements are approved once it has begun
/// (9999-12 and next month were approved).
#[test]
fn months_stay_within_the_years_and_are_approved_once_begun() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for (month, code) in [("0000-01", "range"), ("2200-01", "range"), ("+2026-01", "format")] {
        let p = app
            .get(&format!(
                "/api/v1/commissions/statements?month={}",
                month.replace('+', "%2B")
            ))
            .bearer(&admin)
            .send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], code, "{month}: {p}");
    }
    let next_year = (chrono::Datelike::year(&chrono::Utc::now().date_naive()) + 1).to_string();
    for month in ["2199-12".to_owned(), format!("{next_year}-01")] {
        let p = app
            .post("/api/v1/commissions/statements/approve")
            .bearer(&admin)
            .json(&json!({"month": month}))
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "month", "{p}");
        assert_eq!(p["errors"][0]["code"], "future", "{p}");
    }
    app.post("/api/v1/commissions/statements/approve")
        .bearer(&admin)
        .json(&json!({"month": "2026-01"}))
        .expect(200);
}
