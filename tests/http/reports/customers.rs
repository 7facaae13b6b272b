use crm_tests::{CustomerBuilder, TestApp};
use serde_json::json;

use super::*;

/// li's customers in November 2026: 甲 (制造, website, created Nov 5) bought
/// 500 and 300; 乙 (制造, trade_show, created Nov 5) bought 200; 丙 (零售, created
/// in September) bought 100 in October and 100 in November; 丁 was released
/// to the pool on Nov 20. Leads: two from the website (one became 甲), one
/// from a trade show.
#[test]
fn the_customer_analysis_gives_the_hand_computed_figures() {
    let app = TestApp::spawn();
    let t = team(&app);
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&t.admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let li = &t.li.token;
    let new = |name: &str, industry: Option<&str>, source: Option<&str>, created: &str| {
        let c = CustomerBuilder::new(name).create_dto(&app, li).customer.id;
        let quote = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
        app.sql(&format!(
            "UPDATE customers SET industry = {}, source = {}, created_at = '{created}' WHERE id = {c}",
            quote(industry),
            quote(source)
        ));
        c
    };
    let jia = new("甲", Some("制造"), Some("website"), &nov(5));
    let yi = new("乙", Some("制造"), Some("trade_show"), &nov(5));
    let bing = new("丙", Some("零售"), None, "2026-09-01 04:00:00");
    let ding = new("丁", None, None, "2026-09-01 04:00:00");
    approved_contract(&app, li, jia, "HT-1", 500, "2026-11-10");
    approved_contract(&app, li, jia, "HT-2", 300, "2026-11-12");
    approved_contract(&app, li, yi, "HT-3", 200, "2026-11-15");
    approved_contract(&app, li, bing, "HT-4", 100, "2026-10-05");
    approved_contract(&app, li, bing, "HT-5", 100, "2026-11-20");
    app.post(&format!("/api/v1/customers/{ding}/release"))
        .bearer(li)
        .json(&json!({"reason": "没有需求"}))
        .expect(200);
    app.sql(&format!(
        "UPDATE pool_events SET at = '{}' WHERE customer_id = {ding}",
        nov(20)
    ));
    let mut leads = Vec::new();
    for (i, source) in ["website", "website", "trade_show"].iter().enumerate() {
        let l = app
            .post("/api/v1/leads")
            .bearer(&t.admin)
            .json(&json!({"person_name": format!("联系人{i}"), "phone": format!("1370000000{i}"), "source": source}))
            .expect(201)
            .json();
        leads.push(id(&l));
    }
    app.sql(&format!(
        "UPDATE leads SET owner_id = {}, created_at = '{}' WHERE id IN ({}, {}, {})",
        t.li.id,
        nov(3),
        leads[0],
        leads[1],
        leads[2]
    ));
    app.sql(&format!(
        "UPDATE leads SET status = 'converted', converted_customer_id = {jia} WHERE id = {}",
        leads[0]
    ));

    let r = app
        .get("/api/v1/reports/customers?period=month&date=2026-11-15")
        .bearer(li)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["customers"], 3, "丁 is in the pool: {r}");
    assert_eq!(r["new_customers"], 2);
    assert_eq!(r["returned_to_pool"], 1);
    let industry: Vec<(Option<&str>, u64, u64, i64)> = r["distribution"]["industry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str(),
                g["customers"].as_u64().unwrap(),
                g["dealt"].as_u64().unwrap(),
                g["contract_amount"]["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(industry, [(Some("制造"), 2, 2, 1000), (Some("零售"), 1, 1, 100)]);
    assert_eq!(r["distribution"]["source"][0]["key"], "website");
    assert_eq!(r["distribution"]["grade"].as_array().unwrap().len(), 1, "all grade B");
    // 甲 bought twice, 丙 had bought before: 2 of 3 buyers
    assert_eq!(
        r["repeat_purchase"],
        json!({"buyers": 3, "repeat_buyers": 2, "rate_bp": 6666})
    );
    // the top fifth of 3 buyers is 1: 甲 with 800 of 1100
    let p = &r["pareto"];
    assert_eq!((p["buyers"].as_u64(), p["top_count"].as_u64()), (Some(3), Some(1)));
    assert_eq!(p["top"].as_array().unwrap().len(), 1);
    assert_eq!(p["top"][0]["name"], "甲");
    assert_eq!(p["top_amount"]["amount"], 800);
    assert_eq!(p["total_amount"]["amount"], 1100);
    assert_eq!(p["top_share_bp"], 7272);
    let sources = r["lead_sources"].as_array().unwrap();
    assert_eq!(sources[0]["source"], "website");
    assert_eq!(
        (sources[0]["leads"].as_u64(), sources[0]["converted"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(sources[0]["conversion_bp"], 5000);
    assert_eq!(sources[0]["won_amount"]["amount"], 800);
    assert_eq!(
        (sources[1]["source"].as_str(), sources[1]["leads"].as_u64()),
        (Some("trade_show"), Some(1))
    );
    // another team's rep sees none of it
    let theirs = app
        .get("/api/v1/reports/customers?period=month&date=2026-11-15")
        .bearer(&t.wang.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(
        (theirs["customers"].as_u64(), theirs["pareto"]["buyers"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(theirs["lead_sources"].as_array().unwrap().is_empty());
    // 丙 bought before and in the period, but is not wang's to count
    assert_eq!(
        theirs["repeat_purchase"],
        json!({"buyers": 0, "repeat_buyers": 0, "rate_bp": null})
    );
    // the list of top customers is bounded, and the bound is checked
    for (bad, status) in [("0", 422), ("1001", 422), ("x", 400)] {
        let problem = app
            .get(&format!(
                "/api/v1/reports/customers?period=month&date=2026-11-15&top_limit={bad}"
            ))
            .bearer(&t.admin)
            .send()
            .expect(status)
            .json();
        assert!(problem.to_string().contains("top_limit"), "{bad}: {problem}");
    }
    let one = app
        .get("/api/v1/reports/customers?period=month&date=2026-11-15&top_limit=1")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(one["pareto"]["top"], r["pareto"]["top"]);
}
