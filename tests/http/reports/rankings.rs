use crm_tests::{CustomerBuilder, TestApp};
use serde_json::json;

use super::*;

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
    let c1 = CustomerBuilder::new("东方电子").create_dto(&app, li).customer.id;
    let c2 = CustomerBuilder::new("北方重工").create_dto(&app, wang).customer.id;
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
