//! Reports over a small hand-made data set whose every figure is computed by
//! hand here: the funnel (cohort conversion, time in stage, a stage below its
//! target, win rate, cycle, velocity, negotiation rounds).

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

struct Team {
    admin: String,
    east: i64,
    li: TestUser,
    wang: TestUser,
}

fn team(app: &TestApp) -> Team {
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

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// `2026-11-<day> 04:00` UTC (noon in Shanghai), as stored.
fn nov(day: u32) -> String {
    format!("2026-11-{day:02} 04:00:00")
}

const DAY: i64 = 86_400;

/// A pipeline 初步接洽 (10 %, target 50 %) -> 商务谈判 (50 %, target 80 %) -> won / lost.
fn pipeline(app: &TestApp, admin: &str) -> (i64, i64, i64, i64, i64) {
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

fn deal(app: &TestApp, token: &str, pipeline: i64, name: &str, amount: Option<i64>) -> i64 {
    let customer = id(&CustomerBuilder::new(name).create(app, token));
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

fn go(app: &TestApp, token: &str, deal: i64, stage: i64, extra: Value) {
    let mut body = json!({"to_stage_id": stage});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.post(&format!("/api/v1/opportunities/{deal}/transitions"))
        .bearer(token)
        .json(&body)
        .expect(200);
}

/// Dates the deal's entry into `to` (and its time in the stage before).
fn entered(app: &TestApp, deal: i64, to: i64, at: &str, seconds_before: i64) {
    app.sql(&format!(
        "UPDATE stage_changes SET changed_at = '{at}', seconds_in_from = {seconds_before} \
         WHERE opportunity_id = {deal} AND to_stage_id = {to}"
    ));
}

fn dates(app: &TestApp, deal: i64, created: &str, closed: Option<&str>) {
    let closed = closed.map_or("closed_at".to_owned(), |c| format!("'{c}'"));
    app.sql(&format!(
        "UPDATE opportunities SET created_at = '{created}', closed_at = {closed} WHERE id = {deal}"
    ));
}

fn activity(app: &TestApp, token: &str, deal: i64, at: &str) {
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

/// A: 1 (Nov 1) -> 2 (Nov 3) -> won (Nov 5), 1000. B: 1 (Nov 2) -> 2 (Nov 6),
/// open, 500. C: 1 (Nov 10) -> lost (Nov 11), 300. D: in 1 since October 1
/// -> 2 (Nov 2), open, no amount. E: 1 (Nov 20), open, 200. Activities on A
/// on Nov 2 (in 1) and Nov 4 (in 2), on B on Nov 7.
#[test]
fn the_funnel_gives_the_hand_computed_figures() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = &t.li.token;
    let (p, s1, s2, won, lost) = pipeline(&app, &t.admin);
    let a = deal(&app, li, p, "甲公司", Some(1000));
    let b = deal(&app, li, p, "乙公司", Some(500));
    let c = deal(&app, li, p, "丙公司", Some(300));
    let d = deal(&app, li, p, "丁公司", None);
    let e = deal(&app, li, p, "戊公司", Some(200));
    go(&app, li, a, s2, json!({}));
    go(&app, li, a, won, json!({}));
    go(&app, li, b, s2, json!({}));
    go(&app, li, c, lost, json!({"lost_reason": "预算取消"}));
    go(&app, li, d, s2, json!({}));
    entered(&app, a, s1, &nov(1), 0);
    entered(&app, a, s2, &nov(3), 2 * DAY);
    entered(&app, a, won, &nov(5), 2 * DAY);
    dates(&app, a, &nov(1), Some(&nov(5)));
    entered(&app, b, s1, &nov(2), 0);
    entered(&app, b, s2, &nov(6), 4 * DAY);
    dates(&app, b, &nov(2), None);
    entered(&app, c, s1, &nov(10), 0);
    entered(&app, c, lost, &nov(11), DAY);
    dates(&app, c, &nov(10), Some(&nov(11)));
    entered(&app, d, s1, "2026-10-01 04:00:00", 0);
    entered(&app, d, s2, &nov(2), 32 * DAY);
    dates(&app, d, "2026-10-01 04:00:00", None);
    entered(&app, e, s1, &nov(20), 0);
    dates(&app, e, &nov(20), None);
    activity(&app, li, a, &nov(2));
    activity(&app, li, a, &nov(4));
    activity(&app, li, b, &nov(7));

    let url = format!("/api/v1/reports/funnel?pipeline_id={p}&period=month&date=2026-11-15");
    let f = app.get(&url).bearer(li).send().expect(200).json();
    assert_eq!(f["period"]["from"], "2026-11-01");
    assert_eq!(f["period"]["to"], "2026-11-30");
    assert_eq!(f["period"]["starts_at"], "2026-10-31T16:00:00Z");
    let stages = f["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 3, "open stages and won: {f}");
    let s = &stages[0];
    assert_eq!(
        (s["name"].as_str(), s["entered"].as_u64(), s["advanced"].as_u64()),
        (Some("初步接洽"), Some(4), Some(2))
    );
    assert_eq!(s["conversion_bp"], 5000);
    assert_eq!(s["below_target"], false);
    assert_eq!(
        (s["open_count"].as_u64(), s["open_amount"]["amount"].as_i64()),
        (Some(1), Some(200))
    );
    assert_eq!(s["weighted_amount"], json!({"amount": 20, "currency": "CNY"}));
    // stays that ended in November: 2, 4, 1 and 32 days
    assert_eq!(
        (s["stays"].as_u64(), s["median_days"].as_f64(), s["mean_days"].as_f64()),
        (Some(4), Some(3.0), Some(9.75))
    );
    let s = &stages[1];
    assert_eq!((s["entered"].as_u64(), s["advanced"].as_u64()), (Some(3), Some(1)));
    assert_eq!(s["conversion_bp"], 3333);
    assert_eq!(s["below_target"], true, "33 % is below the 80 % target");
    assert_eq!(
        (s["open_count"].as_u64(), s["open_amount"]["amount"].as_i64()),
        (Some(2), Some(500))
    );
    assert_eq!(s["weighted_amount"]["amount"], 250);
    assert_eq!(s["median_days"], 2.0);
    assert_eq!(
        (stages[2]["kind"].as_str(), stages[2]["entered"].as_u64()),
        (Some("won"), Some(1))
    );
    assert_eq!((f["won"].as_u64(), f["lost"].as_u64()), (Some(1), Some(1)));
    assert_eq!(f["won_amount"]["amount"], 1000);
    assert_eq!(f["win_rate_bp"], 5000);
    assert_eq!(f["average_cycle_days"], 4.0);
    assert_eq!(f["open_deals"], 3);
    // 3 open deals x 1000 average won x 50 % / 4 days
    assert_eq!(f["velocity_per_day"], json!({"amount": 375, "currency": "CNY"}));
    assert_eq!(f["negotiation_stage_id"], s2);
    let rounds = f["by_negotiation_rounds"].as_array().unwrap();
    assert_eq!(
        (
            rounds[0]["rounds"].as_u64(),
            rounds[0]["closed"].as_u64(),
            rounds[0]["won"].as_u64()
        ),
        (Some(0), Some(1), Some(0))
    );
    assert_eq!(
        (rounds[1]["closed"].as_u64(), rounds[1]["won"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(rounds[1]["close_rate_bp"], 10_000);
    // the same period given as dates
    let same = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline_id={p}&from=2026-11-01&to=2026-11-30"
        ))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(same["stages"], f["stages"]);
    // another team's rep sees none of it; December saw no entries
    let theirs = app.get(&url).bearer(&t.wang.token).send().expect(200).json();
    assert_eq!(
        (theirs["open_deals"].as_u64(), theirs["stages"][0]["entered"].as_u64()),
        (Some(0), Some(0))
    );
    let december = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline_id={p}&period=month&date=2026-12-01"
        ))
        .bearer(li)
        .send()
        .expect(200)
        .json();
    assert_eq!(december["stages"][0]["entered"], 0);
    assert_eq!(december["stages"][0]["conversion_bp"], Value::Null);
    assert_eq!(december["win_rate_bp"], Value::Null);
    assert_eq!(december["open_deals"], 3);
    // bad parameters are named
    for (query, field) in [
        ("period=fortnight", "period"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("from=2026-11-01", "to"),
        ("pipeline_id=999999", "pipeline_id"),
        ("negotiation_stage_id=999999", "negotiation_stage_id"),
    ] {
        let p = app
            .get(&format!("/api/v1/reports/funnel?{query}"))
            .bearer(li)
            .send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{query}");
    }
    let p = app
        .get("/api/v1/reports/funnel?colour=red")
        .bearer(li)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "colour");
}

fn approved_contract(app: &TestApp, token: &str, customer: i64, number: &str, amount: i64, signed_on: &str) -> i64 {
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

/// li: 300,000 signed, 100,000 collected, a new customer, two activities, a
/// deal won. wang: 500,000 signed, a new customer, a deal lost. November.
#[test]
fn rankings_order_reps_with_shared_places_within_scope() {
    let app = TestApp::spawn();
    let t = team(&app);
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&t.admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let (li, wang) = (&t.li.token, &t.wang.token);
    let c1 = id(&CustomerBuilder::new("东方电子").create(&app, li));
    let c2 = id(&CustomerBuilder::new("北方重工").create(&app, wang));
    let k1 = approved_contract(&app, li, c1, "HT-L1", 300_000, "2026-11-10");
    approved_contract(&app, wang, c2, "HT-W1", 500_000, "2026-11-05");
    app.post(&format!("/api/v1/contracts/{k1}/payments"))
        .bearer(li)
        .json(&json!({"amount": {"amount": 100_000, "currency": "CNY"}, "received_on": "2026-11-12"}))
        .expect(201);
    for _ in 0..2 {
        let a = app
            .post(&format!("/api/v1/customers/{c1}/activities"))
            .bearer(li)
            .json(&json!({"kind": "visit", "outcome": "见了采购"}))
            .expect(201)
            .json();
        app.sql(&format!(
            "UPDATE activities SET occurred_at = '{}' WHERE id = {}",
            nov(15),
            id(&a)
        ));
    }
    let (p, _, _, won, lost) = pipeline(&app, &t.admin);
    let dl = deal(&app, li, p, "东方电子二期", Some(1000));
    go(&app, li, dl, won, json!({}));
    let dw = deal(&app, wang, p, "北方重工二期", Some(1000));
    go(&app, wang, dw, lost, json!({"lost_reason": "价格"}));
    app.sql(&format!(
        "UPDATE opportunities SET closed_at = '{}' WHERE id IN ({dl}, {dw})",
        nov(16)
    ));

    let url = "/api/v1/reports/rankings?period=month&date=2026-11-15";
    let r = app.get(url).bearer(&t.admin).send().expect(200).json();
    assert_eq!(r["sort"], "contract_amount");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "admins are not ranked: {r}");
    let (w, l) = (&rows[0], &rows[1]);
    assert_eq!(
        (w["user_id"].as_i64(), l["user_id"].as_i64()),
        (Some(t.wang.id), Some(t.li.id))
    );
    assert_eq!(w["contract_amount"], json!({"amount": 500_000, "currency": "CNY"}));
    assert_eq!(l["contract_amount"]["amount"], 300_000);
    assert_eq!(
        (
            l["collected_amount"]["amount"].as_i64(),
            w["collected_amount"]["amount"].as_i64()
        ),
        (Some(100_000), Some(0))
    );
    assert_eq!(
        (l["new_customers"].as_i64(), w["new_customers"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!((l["activities"].as_i64(), w["activities"].as_i64()), (Some(2), Some(0)));
    assert_eq!(
        (l["win_rate_bp"].as_u64(), w["win_rate_bp"].as_u64()),
        (Some(10_000), Some(0))
    );
    assert_eq!(
        w["places"],
        json!({"contract_amount": 1, "collected_amount": 2, "new_customers": 1, "activities": 2, "win_rate": 2})
    );
    assert_eq!(
        l["places"],
        json!({"contract_amount": 2, "collected_amount": 1, "new_customers": 1, "activities": 1, "win_rate": 1})
    );
    let by_collected = app
        .get(&format!("{url}&sort=collected_amount"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(by_collected["rows"][0]["user_id"], t.li.id);
    // a rep ranks only themselves; October had nothing
    let own = app.get(url).bearer(li).send().expect(200).json();
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["user_id"], t.li.id);
    let october = app
        .get("/api/v1/reports/rankings?period=month&date=2026-10-15")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(october["rows"][0]["contract_amount"]["amount"], 0);
    let p = app
        .get(&format!("{url}&sort=charm"))
        .bearer(&t.admin)
        .send()
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "sort");
}

/// li's open deals next year: 100,000 at 10 % (grade A, one product line)
/// and 200,000 at 50 % (grade B) closing in March, 50,000 past due, 999
/// unscheduled; a 30,000 contract signed in March; a target of 1,200,000
/// for the year, split equally over the months. wang: 70,000 at 10 % in March.
#[test]
fn the_forecast_weighs_the_pipeline_beside_target_and_actuals() {
    let app = TestApp::spawn();
    let t = team(&app);
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&t.admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let zone = domain::calendar::zone("Asia/Shanghai").unwrap();
    let year = chrono::Datelike::year(&domain::calendar::today(chrono::Utc::now(), zone)) + 1;
    app.req("PUT", "/api/v1/targets")
        .bearer(&t.admin)
        .json(
            &json!({"year": year, "metric": "contract_amount", "total": 1_200_000, "split": "equal",
                      "children": [{"department_id": t.east, "children": [{"user_id": t.li.id}]}]}),
        )
        .expect(200);
    let li = &t.li.token;
    let (p, _, s2, _, _) = pipeline(&app, &t.admin);
    let product = id(&app
        .post("/api/v1/products")
        .bearer(&t.admin)
        .json(&json!({"code": "P-1", "name": "水泵", "list_price": {"amount": 100_000, "currency": "CNY"}}))
        .expect(201)
        .json());
    let open = |token: &str, name: &str, amount: i64, close: Option<String>| {
        let d = deal(&app, token, p, name, Some(amount));
        if let Some(c) = close {
            app.patch(&format!("/api/v1/opportunities/{d}"))
                .bearer(token)
                .json(&json!({"expected_close_date": c}))
                .expect(200);
        }
        d
    };
    let d1 = open(li, "甲方", 100_000, Some(format!("{year}-03-15")));
    app.req("PUT", &format!("/api/v1/opportunities/{d1}/line-items"))
        .bearer(li)
        .json(&json!({"lines": [{"product_id": product, "quantity": 1}]}))
        .expect(200);
    let d2 = open(li, "乙方", 200_000, Some(format!("{year}-03-20")));
    go(&app, li, d2, s2, json!({}));
    open(li, "丙方", 50_000, Some("2020-01-10".to_owned()));
    open(li, "丁方", 999, None);
    open(&t.wang.token, "戊方", 70_000, Some(format!("{year}-03-01")));
    app.sql("UPDATE customers SET grade = CASE WHEN name = '甲方' THEN 'A' ELSE 'B' END");
    let c = id(&CustomerBuilder::new("己方").create(&app, li));
    approved_contract(&app, li, c, "HT-F1", 30_000, &format!("{year}-03-01"));

    let f = app
        .get(&format!("/api/v1/reports/forecast?year={year}"))
        .bearer(li)
        .send()
        .expect(200)
        .json();
    assert_eq!(f["scope"], format!("user:{}", t.li.id));
    let march = &f["months"][2];
    assert_eq!(march["month"], format!("{year}-03"));
    assert_eq!(march["pipeline"]["count"], 2, "{f}");
    assert_eq!(march["pipeline"]["amount"]["amount"], 300_000);
    assert_eq!(march["pipeline"]["weighted"]["amount"], 110_000);
    assert_eq!(march["target"], json!({"amount": 100_000, "currency": "CNY"}));
    assert_eq!(march["actual"]["amount"], 30_000);
    assert_eq!(march["projected"]["amount"], 140_000);
    assert_eq!(f["months"][3]["pipeline"]["count"], 0);
    assert_eq!(f["months"][3]["target"]["amount"], 100_000);
    assert_eq!(
        (
            f["past_due"]["count"].as_u64(),
            f["past_due"]["weighted"]["amount"].as_i64()
        ),
        (Some(1), Some(5_000))
    );
    assert_eq!(f["unscheduled"]["weighted"]["amount"], 99);
    let grades: Vec<(String, i64)> = f["by_grade"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["grade"].as_str().unwrap().to_owned(),
                g["pipeline"]["weighted"]["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(grades, [("A".to_owned(), 10_000), ("B".to_owned(), 100_000)]);
    assert_eq!(f["by_product"][0]["name"], "水泵");
    assert_eq!(f["by_product"][0]["pipeline"]["weighted"]["amount"], 10_000);
    // the admin sees the company: wang's deal too
    let all = app
        .get(&format!("/api/v1/reports/forecast?year={year}"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(all["scope"], "company");
    assert_eq!(all["months"][2]["pipeline"]["weighted"]["amount"], 117_000);
    assert_eq!(all["months"][2]["target"]["amount"], 100_000);
    // wang may not see li's target
    let theirs = app
        .get(&format!("/api/v1/reports/forecast?year={year}&owner_id={}", t.li.id))
        .bearer(&t.wang.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(theirs["months"][2]["target"], Value::Null);
    assert_eq!(theirs["months"][2]["pipeline"]["count"], 0);
    let p = app
        .get("/api/v1/reports/forecast?year=1900")
        .bearer(li)
        .send()
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "year");
}
