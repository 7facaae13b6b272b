use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

use super::*;

fn log(app: &TestApp, token: &str, customer: i64, body: Value, day: u32) {
    let a = app
        .post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(token)
        .json(&body)
        .expect(201)
        .json();
    app.sql(&format!(
        "UPDATE activities SET occurred_at = '{}' WHERE id = {}",
        nov(day),
        id(&a)
    ));
}

/// li in the week of 16 November: 4 visits (key person met at 甲 twice and
/// at 乙 once), 3 calls, a note; 2 customers created that week; 甲 made A
/// from B; two leads due, one contacted in time. wang: one call. Four
/// visits a day are asked.
#[test]
fn process_kpis_are_counted_from_the_records() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = &t.li.token;
    app.req("PUT", "/api/v1/settings/activity-targets")
        .bearer(li)
        .json(&json!({"visits_per_day": 4}))
        .problem(403, "forbidden");
    let p = app
        .req("PUT", "/api/v1/settings/activity-targets")
        .bearer(&t.admin)
        .json(&json!({"visits_per_day": 4, "calls_per_day": 5000}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "calls_per_day");
    let saved = app
        .req("PUT", "/api/v1/settings/activity-targets")
        .bearer(&t.admin)
        .json(&json!({"visits_per_day": 4}))
        .expect(200)
        .json();
    assert_eq!(saved, json!({"visits_per_day": 4, "calls_per_day": null}));
    let jia = CustomerBuilder::new("甲").create_dto(&app, li).customer.id;
    let yi = CustomerBuilder::new("乙").create_dto(&app, li).customer.id;
    let bing = CustomerBuilder::new("丙").create_dto(&app, li).customer.id;
    app.sql(&format!(
        "UPDATE customers SET created_at = '{}' WHERE id IN ({jia}, {yi})",
        nov(17)
    ));
    app.sql(&format!(
        "UPDATE customers SET created_at = '2026-10-01 04:00:00' WHERE id = {bing}"
    ));
    let met = json!({"kind": "visit", "visit": {"key_person_met": true, "purpose": "拜访"}});
    log(&app, li, jia, met.clone(), 16);
    log(&app, li, jia, met.clone(), 18);
    log(&app, li, yi, met, 19);
    log(
        &app,
        li,
        bing,
        json!({"kind": "visit", "visit": {"key_person_met": false}}),
        20,
    );
    for day in [16, 17, 20] {
        log(&app, li, bing, json!({"kind": "call", "outcome": "约拜访"}), day);
    }
    log(&app, li, bing, json!({"kind": "note", "content": "备忘"}), 18);
    // a visit the week after does not count
    log(&app, li, bing, json!({"kind": "visit"}), 24);
    let wang_customer = CustomerBuilder::new("丁").create_dto(&app, &t.wang.token).customer.id;
    log(&app, &t.wang.token, wang_customer, json!({"kind": "call"}), 17);
    app.patch(&format!("/api/v1/customers/{jia}"))
        .bearer(li)
        .json(&json!({"grade": "A"}))
        .expect(200);
    app.sql(&format!("UPDATE grade_changes SET changed_at = '{}'", nov(18)));
    for (i, contacted) in [Some(nov(17)), None].into_iter().enumerate() {
        let l = app
            .post("/api/v1/leads")
            .bearer(&t.admin)
            .json(&json!({"person_name": format!("线索{i}"), "phone": format!("1360000000{i}")}))
            .expect(201)
            .json();
        let contacted = contacted.map_or("NULL".to_owned(), |c| format!("'{c}'"));
        app.sql(&format!(
            "UPDATE leads SET owner_id = {}, first_contact_due_at = '{}', first_contacted_at = {contacted} WHERE id = {}",
            t.li.id,
            nov(18),
            id(&l)
        ));
    }

    let url = "/api/v1/reports/kpis?period=week&date=2026-11-18";
    let r = app.get(url).bearer(&t.admin).send().expect(200).json();
    assert_eq!(r["period"]["from"], "2026-11-16");
    assert_eq!(r["period"]["to"], "2026-11-22");
    assert_eq!(r["working_days"], 5);
    assert_eq!(r["targets"]["visits_per_day"], 4);
    let rows = r["rows"].as_array().unwrap();
    let row = rows.iter().find(|x| x["user_id"] == t.li.id).unwrap();
    assert_eq!((row["visits"].as_u64(), row["calls"].as_u64()), (Some(4), Some(3)));
    assert_eq!(
        (row["visits_per_day"].as_f64(), row["calls_per_day"].as_f64()),
        (Some(0.8), Some(0.6))
    );
    assert_eq!(row["visits_completion_bp"], 2000, "4 of 4 x 5 days");
    assert_eq!(row["calls_completion_bp"], Value::Null);
    assert_eq!(row["effective_customers"], 2);
    assert_eq!(row["new_customers"], 2);
    assert_eq!(row["held"], 3);
    assert_eq!(row["upgrades_to_a"], 1);
    assert_eq!(
        (
            row["sla_due"].as_u64(),
            row["sla_kept"].as_u64(),
            row["sla_kept_bp"].as_u64()
        ),
        (Some(2), Some(1), Some(5000))
    );
    let total = &r["total"];
    assert_eq!((total["calls"].as_u64(), total["visits"].as_u64()), (Some(4), Some(4)));
    assert_eq!(total["visits_completion_bp"], 1000, "4 of 4 x 5 days x 2 reps");
    // a rep sees only their own row
    let own = app.get(url).bearer(li).send().expect(200).json();
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["user_id"], t.li.id);
}
