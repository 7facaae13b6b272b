//! The largest amounts (issue #40 item 4): one amount is at most 10^15
//! minor units on every input, and no sum a report or a statement takes
//! overflows, even over amounts stored before the maximum existed (a deal
//! of `i64::MAX` made every report that summed it answer 500, and two
//! awards of that size made a statement total negative).

use crm_tests::conform::assert_conforms;
use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

const MAX: i64 = 1_000_000_000_000_000;

fn cny(amount: i64) -> Value {
    json!({"amount": amount, "currency": "CNY"})
}

#[test]
fn the_largest_amounts_are_taken_one_more_is_refused_and_every_report_reads_their_sums() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": MAX}))
        .expect(200);
    let customer = CustomerBuilder::new("无锡精密机械公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let deal = |title: &str, amount: i64| {
        app.post("/api/v1/opportunities")
            .bearer(&li.token)
            .json(&json!({"customer_id": customer, "title": title, "amount": cny(amount),
                          "expected_close_date": "2026-12-20"}))
    };
    // the maximum is taken, one minor unit more (or i64::MAX) refused on its field
    let mut deals = Vec::new();
    for i in 0..3 {
        deals.push(
            deal(&format!("最大 {i}"), MAX).expect(201).json()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for over in [MAX + 1, i64::MAX] {
        let p = deal("太大", over).problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "amount.amount", "{p}");
        assert_eq!(p["errors"][0]["code"], "range", "{p}");
    }
    // a contract, a payment, a line's unit price and an award at the maximum
    let contract = app
        .post("/api/v1/contracts")
        .bearer(&li.token)
        .json(
            &json!({"number": "HT-MAX", "customer_id": customer, "title": "供货合同",
                      "amount": cny(MAX), "signed_on": "2026-11-20"}),
        )
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    let submitted = app
        .post(&format!("/api/v1/contracts/{contract}/submit"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(submitted["status"], "approved", "{submitted}");
    app.post(&format!("/api/v1/contracts/{contract}/payments"))
        .bearer(&li.token)
        .json(&json!({"amount": cny(MAX), "received_on": "2026-11-25"}))
        .expect(201);
    app.post(&format!("/api/v1/contracts/{contract}/payments"))
        .bearer(&li.token)
        .json(&json!({"amount": cny(1), "received_on": "2026-11-25"}))
        .problem(422, "validation_failed");
    for kind in ["award", "award"] {
        app.post("/api/v1/commissions/awards")
            .bearer(&admin)
            .json(&json!({"user_id": li.id, "kind": kind, "reason": "季度签约冠军", "month": "2026-11", "amount": MAX}))
            .expect(201);
    }
    let award = app
        .post("/api/v1/commissions/awards")
        .bearer(&admin)
        .json(&json!({"user_id": li.id, "kind": "award", "reason": "太大", "month": "2026-11", "amount": MAX + 1}))
        .problem(422, "validation_failed");
    assert_eq!(award["errors"][0]["field"], "amount", "{award}");

    // 9,300 more of each at the maximum (as a rep could make them one by
    // one): every sum of them is past i64::MAX, held there, never wrapped
    // below zero, never a 500
    copies(&app, "opportunities", deals[0], &[]);
    copies(&app, "contracts", contract, &[("number", "'HT-MAX-' || seq.i")]);
    // each copied contract paid in full once
    copies(
        &app,
        "payments",
        first_payment(&app, contract),
        &[(
            "contract_id",
            "(SELECT c.id FROM contracts c WHERE c.number = 'HT-MAX-' || seq.i)",
        )],
    );
    let reports = [
        "/api/v1/reports/funnel?period=year&date=2026-06-01",
        "/api/v1/reports/funnel?period=month&date=2026-11-01",
        "/api/v1/reports/forecast?year=2026",
        "/api/v1/reports/customers?period=year&date=2026-06-01",
        "/api/v1/reports/rankings?period=year&date=2026-06-01",
        "/api/v1/reports/kpis?period=month&date=2026-11-01",
        "/api/v1/me/workbench",
        "/api/v1/commissions/statements?month=2026-11",
        "/api/v1/targets/progress?year=2026&metric=contract_amount",
    ];
    for token in [&admin, &li.token] {
        for path in reports {
            let answer = app.get(path).bearer(token).send().expect(200).json();
            let template = path.split('?').next().unwrap().trim_start_matches("/api/v1");
            assert_conforms("get", &format!("/api/v1{template}"), 200, &answer);
        }
    }
    // the funnel's open amount of the stage holding the deals: held at i64::MAX
    let funnel = app
        .get("/api/v1/reports/funnel?period=year&date=2026-06-01")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let open: Vec<i64> = funnel["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["open_amount"]["amount"].as_i64().unwrap())
        .collect();
    assert!(open.contains(&i64::MAX), "{open:?}");
    let forecast = app
        .get("/api/v1/reports/forecast?year=2026")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert!(
        !forecast.to_string().contains("-9"),
        "no sum wrapped below zero: {forecast}"
    );
    // the statement: two awards of the maximum add up exactly
    let statements = app
        .get("/api/v1/commissions/statements?month=2026-11")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let mine = statements["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user_id"] == li.id)
        .unwrap_or_else(|| panic!("{statements}"));
    assert_eq!(mine["total"]["amount"], 2 * MAX, "{mine}");
    let csv = app
        .get("/api/v1/commissions/statements.csv?month=2026-11")
        .bearer(&admin)
        .send()
        .expect(200)
        .body;
    assert!(csv.contains(&(2 * MAX).to_string()), "{csv}");
    assert!(!csv.contains(",-"), "{csv}");
}

const COPIES: i64 = 9_300;

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Inserts [`COPIES`] copies of row `id` of `table` behind the API's back,
/// with the columns `overrides` names computed from `seq.i` instead.
fn copies(app: &TestApp, table: &str, id: i64, overrides: &[(&str, &str)]) {
    use diesel::RunQueryDsl;
    let postgres = crm_tests::backend_is_postgres();
    let columns: Vec<String> = app.db(|conn| {
        let sql = if postgres {
            format!("SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns WHERE table_name = '{table}' AND table_schema = current_schema()")
        } else {
            format!("SELECT name FROM pragma_table_info('{table}')")
        };
        diesel::sql_query(sql).load::<Name>(conn).unwrap().into_iter().map(|n| n.name).collect()
    });
    let kept: Vec<&String> = columns.iter().filter(|c| c.as_str() != "id").collect();
    let values: Vec<String> = kept
        .iter()
        .map(|c| {
            overrides
                .iter()
                .find(|(name, _)| name == c)
                .map_or_else(|| format!("{table}.{c}"), |(_, v)| (*v).to_owned())
        })
        .collect();
    // both backends read a recursive CTE
    let seq = format!("RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {COPIES})");
    let names: Vec<&str> = kept.iter().map(|c| c.as_str()).collect();
    app.sql(&format!(
        "WITH {seq} INSERT INTO {table} ({}) SELECT {} FROM {table} CROSS JOIN seq WHERE {table}.id = {id}",
        names.join(", "),
        values.join(", ")
    ));
}

fn first_payment(app: &TestApp, contract: i64) -> i64 {
    app.count(&format!(
        "SELECT MIN(id) AS n FROM payments WHERE contract_id = {contract}"
    ))
}
