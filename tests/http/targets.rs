//! Targets that add up to the fen, and progress against approved contracts
//! and payments for the rep, the department and the company.

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

fn rep_node(u: &TestUser) -> Value {
    json!({"user_id": u.id})
}

#[test]
fn a_plan_adds_up_to_the_fen_and_progress_follows_contracts_and_payments() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let depts: Vec<i64> = ["华东", "华北", "华南"]
        .iter()
        .map(|n| app.create_department(&admin, n, None))
        .collect();
    let mut reps: Vec<Vec<TestUser>> = Vec::new();
    for (i, (d, n)) in depts.iter().zip([3, 2, 2]).enumerate() {
        reps.push(
            (0..n)
                .map(|j| app.user(&admin, &format!("rep{i}{j}@example.com"), "rep", Some(*d)))
                .collect(),
        );
    }
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(depts[0]));
    let plan = |children: Value| {
        app.req("PUT", "/api/v1/targets").bearer(&admin).json(&json!({
            "year": 2026, "metric": "contract_amount", "total": 100_000_000, "split": "equal", "children": children
        }))
    };
    let tree = json!([
        {"department_id": depts[0], "children": reps[0].iter().map(rep_node).collect::<Vec<_>>()},
        {"department_id": depts[1], "children": reps[1].iter().map(rep_node).collect::<Vec<_>>()},
        {"department_id": depts[2], "children": reps[2].iter().map(rep_node).collect::<Vec<_>>()}
    ]);
    let figures = plan(tree).expect(200).json();
    let figures = figures.as_array().unwrap();
    let users: i64 = figures
        .iter()
        .filter(|f| f["holder"] == "user")
        .map(|f| f["year"].as_i64().unwrap())
        .sum();
    assert_eq!(users, 100_000_000);
    for f in figures {
        let months: i64 = f["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_i64().unwrap())
            .sum();
        assert_eq!(months, f["year"].as_i64().unwrap(), "{f}");
    }
    let first_rep = figures.iter().find(|f| f["user_id"] == reps[0][0].id).unwrap()["year"]
        .as_i64()
        .unwrap();
    assert_eq!(first_rep, 11_111_112);
    // a manual split 0.01 short is refused naming the difference
    let p = app
        .req("PUT", "/api/v1/targets")
        .bearer(&admin)
        .json(
            &json!({"year": 2026, "metric": "contract_amount", "total": 100_000_000, "split": "manual",
                      "children": [{"department_id": depts[0], "value": 50_000_000},
                                   {"department_id": depts[1], "value": 49_999_999}]}),
        )
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "children");
    assert_eq!(p["context"]["difference"], -1);
    // a rep of another department under a department is refused at its path
    let p = plan(json!([{"department_id": depts[0], "children": [rep_node(&reps[1][0])]}]))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "children.0.children.0");

    // an approved contract of 3,000,000.00 signed in March, 1,000,000.00 paid in April
    let rep = &reps[0][0];
    let customer = CustomerBuilder::new("宁波服装出口公司").create(&app, &rep.token)["id"]
        .as_i64()
        .unwrap();
    let c = app
        .post("/api/v1/contracts")
        .bearer(&rep.token)
        .json(&json!({"number": "HT-P1", "customer_id": customer, "title": "外贸订单",
                      "amount": {"amount": 300_000_000, "currency": "CNY"}, "signed_on": "2026-03-15"}))
        .expect(201)
        .json();
    let path = format!("/api/v1/contracts/{}", c["id"]);
    app.post(&format!("{path}/submit"))
        .bearer(&rep.token)
        .send()
        .expect(200);
    app.post(&format!("{path}/approve"))
        .bearer(&mgr.token)
        .json(&json!({}))
        .expect(200);
    app.post(&format!("{path}/payments"))
        .bearer(&rep.token)
        .json(&json!({"amount": {"amount": 100_000_000, "currency": "CNY"}, "received_on": "2026-04-02"}))
        .expect(201);
    let progress = |token: &str, metric: &str, scope: &str| {
        app.get(&format!(
            "/api/v1/targets/progress?year=2026&metric={metric}&scope={scope}"
        ))
        .bearer(token)
        .send()
        .expect(200)
        .json()
    };
    let mine = progress(&rep.token, "contract_amount", &format!("user:{}", rep.id));
    assert_eq!(mine["year"]["target"], 11_111_112);
    assert_eq!(mine["year"]["actual"], 300_000_000);
    assert_eq!(mine["year"]["completion_bp"], 269_999);
    assert_eq!(mine["months"][2]["actual"], 300_000_000);
    assert_eq!(mine["quarters"][0]["actual"], 300_000_000);
    let dept = progress(&mgr.token, "contract_amount", &format!("department:{}", depts[0]));
    assert_eq!(dept["year"]["target"], 33_333_334);
    assert_eq!(dept["year"]["actual"], 300_000_000);
    let company = progress(&admin, "contract_amount", "company");
    assert_eq!(company["year"]["target"], 100_000_000);
    assert_eq!(company["year"]["completion_bp"], 30_000);
    let paid = progress(&admin, "payment_amount", "company");
    assert_eq!(paid["year"]["target"], Value::Null);
    assert_eq!(paid["months"][3]["actual"], 100_000_000);
    let won = progress(&admin, "new_customers", &format!("department:{}", depts[0]));
    assert_eq!(won["months"][2]["actual"], 1);
    // out of reach: another department's figures, the company for a rep
    app.get(&format!(
        "/api/v1/targets/progress?year=2026&metric=contract_amount&scope=department:{}",
        depts[1]
    ))
    .bearer(&mgr.token)
    .send()
    .problem(404, "not_found");
    app.get("/api/v1/targets/progress?year=2026&metric=contract_amount&scope=company")
        .bearer(&rep.token)
        .send()
        .problem(404, "not_found");
}
