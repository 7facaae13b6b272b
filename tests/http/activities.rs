//! Activities (跟进记录) as their own resource: logged on a customer (or a
//! converted lead) they move its pool clock; the team feed is scoped,
//! filtered and synced.

use chrono::{DateTime, Duration, Utc};
use crm_tests::{CustomerBuilder, TestApp, TestUser};
use persistence::pool;
use serde_json::{Value, json};

struct Team {
    admin: String,
    manager: TestUser,
    li: TestUser,
    wang: TestUser,
    north: TestUser,
}

fn team(app: &TestApp) -> Team {
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    Team {
        manager: app.user(&admin, "mgr@example.com", "manager", Some(east)),
        li: app.user(&admin, "li@example.com", "rep", Some(east)),
        wang: app.user(&admin, "wang@example.com", "rep", Some(east)),
        north: app.user(&admin, "north@example.com", "rep", Some(north)),
        admin,
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// Makes a customer look owned for 40 days and never contacted.
fn age(app: &TestApp, customer: i64) {
    let forty_days_ago = (Utc::now() - Duration::days(40))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.sql(&format!(
        "UPDATE customers SET owned_since = '{forty_days_ago}', last_contacted_at = NULL WHERE id = {customer}"
    ));
}

fn returned_by_sweep_tomorrow(app: &TestApp) -> Vec<i64> {
    let tomorrow = Utc::now() + Duration::days(1);
    app.db(|conn| {
        persistence::write_tx(conn, |conn| {
            let policy = pool::policy(conn)?;
            pool::sweep(conn, &policy, tomorrow)
        })
        .unwrap()
    })
    .returned
    .iter()
    .map(|r| r.customer_id)
    .collect()
}

fn log(app: &TestApp, token: &str, customer: i64, body: Value) -> crm_tests::Res {
    app.post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(token)
        .json(&body)
}

#[test]
fn a_visit_logged_on_a_customer_moves_its_clock_and_keeps_it_from_the_pool() {
    let app = TestApp::spawn();
    let t = team(&app);
    let visited = CustomerBuilder::new("苏州工业园区制造公司")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let forgotten = CustomerBuilder::new("宁波港口物流公司")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let boss = app
        .post(&format!("/api/v1/customers/{visited}/contacts"))
        .bearer(&t.li.token)
        .json(&json!({"name": "周总", "kp_role": "decision_maker"}))
        .expect(201)
        .json();
    age(&app, visited);
    age(&app, forgotten);
    let at = (Utc::now() - Duration::hours(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let a = log(
        &app,
        &t.li.token,
        visited,
        json!({"kind": "visit", "occurred_at": at, "contact_id": id(&boss), "duration_minutes": 90,
               "subject": "年度合作洽谈", "outcome": "认可方案", "next_action": "发报价",
               "next_action_at": (Utc::now() + Duration::days(2)).to_rfc3339(),
               "companions": [t.manager.id],
               "visit": {"key_person_met": true, "purpose": "方案演示", "intent": "high", "buying_power": "medium"}}),
    )
    .expect(201)
    .json();
    assert_eq!(a["customer_id"], visited);
    assert_eq!(a["contact_id"], id(&boss));
    assert_eq!(a["companions"], json!([t.manager.id]));
    assert_eq!(a["visit"]["intent"], "high");
    assert_eq!(a["visit"]["key_person_met"], true);
    let c = app
        .get(&format!("/api/v1/customers/{visited}"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    let contacted: DateTime<Utc> = c["last_contacted_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(contacted, at.parse::<DateTime<Utc>>().unwrap());
    // the visited customer stays; the forgotten one returns to the pool
    assert_eq!(returned_by_sweep_tomorrow(&app), [forgotten]);
}

#[test]
fn a_call_logged_on_a_converted_lead_moves_its_customer_clock() {
    let app = TestApp::spawn();
    let t = team(&app);
    let lead = app
        .post("/api/v1/leads")
        .bearer(&t.li.token)
        .json(&json!({"company": "厦门鼓浪屿旅游公司", "phone": "13912345678"}))
        .expect(201)
        .json();
    let converted = app
        .post(&format!("/api/v1/leads/{}/convert", id(&lead)))
        .bearer(&t.li.token)
        .json(&json!({}))
        .expect(200)
        .json();
    let customer = id(&converted["customer"]);
    age(&app, customer);
    app.post(&format!("/api/v1/leads/{}/activities", id(&lead)))
        .bearer(&t.li.token)
        .json(&json!({"kind": "call", "outcome": "约了下周拜访"}))
        .expect(201);
    let c = app
        .get(&format!("/api/v1/customers/{customer}"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert!(c["last_contacted_at"].is_string(), "{c}");
    assert!(returned_by_sweep_tomorrow(&app).is_empty());
    // and it is in the customer's activities
    let list = app
        .get(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(&t.li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(list["data"][0]["lead_id"], id(&lead));
}

#[test]
fn bad_activities_are_refused_naming_the_field() {
    let app = TestApp::spawn();
    let t = team(&app);
    let mine = CustomerBuilder::new("青岛啤酒经销商")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let other = CustomerBuilder::new("大连海鲜批发市场")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let theirs = CustomerBuilder::new("天津港务集团分公司")
        .create_dto(&app, &t.north.token)
        .customer
        .id;
    let elsewhere = app
        .post(&format!("/api/v1/customers/{other}/contacts"))
        .bearer(&t.li.token)
        .json(&json!({"name": "刘经理"}))
        .expect(201)
        .json();
    let field = |body: Value| {
        let p = log(&app, &t.li.token, mine, body).problem(422, "validation_failed");
        p["errors"][0]["field"].as_str().unwrap().to_owned()
    };
    let tomorrow = (Utc::now() + Duration::days(1)).to_rfc3339();
    assert_eq!(field(json!({"kind": "call", "occurred_at": tomorrow})), "occurred_at");
    assert_eq!(
        field(json!({"kind": "call", "contact_id": id(&elsewhere)})),
        "contact_id"
    );
    assert_eq!(field(json!({"kind": "call", "visit": {"intent": "high"}})), "visit");
    assert_eq!(field(json!({"kind": "visit", "companions": [999_999]})), "companions");
    assert_eq!(
        field(json!({"kind": "call", "opportunity_id": 999_999})),
        "opportunity_id"
    );
    assert_eq!(
        field(json!({"kind": "call", "duration_minutes": -5})),
        "duration_minutes"
    );
    log(&app, &t.li.token, mine, json!({"kind": "fax"})).problem(422, "validation_failed");
    // another team's customer does not exist for li
    log(&app, &t.li.token, theirs, json!({"kind": "call"})).problem(404, "not_found");
    // nothing of the refused writes was stored
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM activities"), 0);
}

#[test]
fn the_team_feed_is_scoped_filtered_paged_and_synced() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li_c = CustomerBuilder::new("武汉光谷软件公司")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    let wang_c = CustomerBuilder::new("长沙岳麓电子公司")
        .create_dto(&app, &t.wang.token)
        .customer
        .id;
    let north_c = CustomerBuilder::new("石家庄制药公司")
        .create_dto(&app, &t.north.token)
        .customer
        .id;
    let li_call = id(&log(&app, &t.li.token, li_c, json!({"kind": "call"})).expect(201).json());
    let joint = id(&log(
        &app,
        &t.wang.token,
        wang_c,
        json!({"kind": "visit", "companions": [t.li.id]}),
    )
    .expect(201)
    .json());
    let north_call = id(&log(&app, &t.north.token, north_c, json!({"kind": "call"}))
        .expect(201)
        .json());
    let ids = |token: &str, query: &str| -> Vec<i64> {
        app.get(&format!("/api/v1/activities{query}"))
            .bearer(token)
            .send()
            .expect(200)
            .json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect()
    };
    assert_eq!(ids(&t.li.token, ""), [li_call, joint]);
    assert_eq!(ids(&t.manager.token, ""), [li_call, joint]);
    assert_eq!(ids(&t.admin, ""), [li_call, joint, north_call]);
    assert_eq!(ids(&t.admin, "?kind=visit"), [joint]);
    assert_eq!(ids(&t.admin, &format!("?created_by={}", t.north.id)), [north_call]);
    assert_eq!(ids(&t.admin, "?sort=-id"), [north_call, joint, li_call]);
    // keyset pages
    let first = app
        .get("/api/v1/activities?limit=2")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(ids(&t.admin, &format!("?limit=2&cursor={cursor}")), [north_call]);
    // a companion may read a joint visit but not delete it; its author may
    app.delete(&format!("/api/v1/activities/{joint}"))
        .bearer(&t.li.token)
        .send()
        .problem(403, "forbidden");
    app.delete(&format!("/api/v1/activities/{north_call}"))
        .bearer(&t.li.token)
        .send()
        .problem(404, "not_found");
    let before = (Utc::now() - Duration::seconds(5)).to_rfc3339().replace('+', "%2B");
    app.delete(&format!("/api/v1/activities/{joint}"))
        .bearer(&t.wang.token)
        .send()
        .expect(204);
    assert_eq!(ids(&t.manager.token, ""), [li_call]);
    let gone = app
        .get(&format!("/api/v1/activities/deleted?since={before}"))
        .bearer(&t.manager.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(gone["data"][0]["id"], joint);
    assert_eq!(ids(&t.li.token, &format!("?updated_since={before}")), [li_call]);
}

#[test]
fn a_customer_timeline_merges_activities_stage_changes_and_ownership_newest_first() {
    let app = TestApp::spawn();
    let t = team(&app);
    let c = CustomerBuilder::new("珠海格力配套厂")
        .create_dto(&app, &t.li.token)
        .customer
        .id;
    log(&app, &t.li.token, c, json!({"kind": "call", "subject": "初次沟通"})).expect(201);
    let p = app
        .post("/api/v1/pipelines")
        .bearer(&t.admin)
        .json(&json!({"name": "快速", "allow_skip": true, "stages": [
            {"name": "接洽", "probability": 20, "kind": "open"},
            {"name": "报价", "probability": 60, "kind": "open"},
            {"name": "成交", "probability": 100, "kind": "won"},
            {"name": "丢单", "probability": 0, "kind": "lost"}
        ]}))
        .expect(201)
        .json();
    let deal = id(&app
        .post("/api/v1/opportunities")
        .bearer(&t.li.token)
        .json(&json!({"customer_id": c, "pipeline_id": p["id"], "title": "空调配件"}))
        .expect(201)
        .json());
    app.post(&format!("/api/v1/opportunities/{deal}/transitions"))
        .bearer(&t.li.token)
        .json(&json!({"to_stage_id": p["stages"][1]["id"]}))
        .expect(200);
    app.post(&format!("/api/v1/customers/{c}/release"))
        .bearer(&t.li.token)
        .json(&json!({"reason": "转给同事跟进"}))
        .expect(200);
    app.post(&format!("/api/v1/pool/{c}/claim"))
        .bearer(&t.wang.token)
        .send()
        .expect(200);

    let path = format!("/api/v1/customers/{c}/timeline");
    let all = app.get(&path).bearer(&t.wang.token).send().expect(200).json();
    let kinds: Vec<String> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["kind"].as_str().unwrap() {
            "event" => format!("event:{}", e["event"]["action"].as_str().unwrap()),
            k => k.to_owned(),
        })
        .collect();
    let stage_changes = kinds.iter().filter(|k| *k == "stage_change").count();
    assert!(stage_changes >= 1, "{kinds:?}");
    assert_eq!(kinds.first().map(String::as_str), Some("event:claimed"), "{kinds:?}");
    assert_eq!(kinds.get(1).map(String::as_str), Some("event:released"), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("event:created"), "{kinds:?}");
    assert!(kinds.contains(&"activity".to_owned()));
    let released = &all["data"][1]["event"];
    assert_eq!(released["detail"]["reason"], "转给同事跟进");
    assert_eq!(released["actor_id"], t.li.id);
    // the times never increase, and pages of two give the same entries
    let times: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let q = if cursor.is_empty() {
            "?limit=2".to_owned()
        } else {
            format!("?limit=2&cursor={cursor}")
        };
        let page = app
            .get(&format!("{path}{q}"))
            .bearer(&t.wang.token)
            .send()
            .expect(200)
            .json();
        paged.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(Value::Array(paged), all["data"]);
    // out of scope: 404
    app.get(&path).bearer(&t.north.token).send().problem(404, "not_found");
}
