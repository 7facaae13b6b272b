//! The public pool (公海): settings over REST, claims under concurrency and
//! limits, releases, locks, and the sweep run at any date.

use chrono::{Duration, Utc};
use crm_tests::{CustomerBuilder, TestApp, TestUser};
use persistence::pool::{self, SweepReport};
use serde_json::{Value, json};

struct Team {
    admin: String,
    dept: i64,
}

fn team(app: &TestApp) -> Team {
    let admin = app.admin_token();
    let dept = app.create_department(&admin, "销售一部", None);
    Team { admin, dept }
}

fn rep(app: &TestApp, t: &Team, email: &str) -> TestUser {
    app.user(&t.admin, email, "rep", Some(t.dept))
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// A customer created by `owner` and released to the pool.
fn pooled(app: &TestApp, owner: &TestUser, name: &str) -> i64 {
    let c = CustomerBuilder::new(name).create_dto(app, &owner.token).customer.id;
    release(app, &owner.token, c).expect(200);
    c
}

fn release(app: &TestApp, token: &str, customer: i64) -> crm_tests::Res {
    app.post(&format!("/api/v1/customers/{customer}/release"))
        .bearer(token)
        .json(&json!({"reason": "没有需求"}))
}

fn claim(app: &TestApp, token: &str, customer: i64) -> crm_tests::Res {
    app.post(&format!("/api/v1/pool/{customer}/claim")).bearer(token).send()
}

fn settings(app: &TestApp, admin: &str, body: Value) -> Value {
    app.req("PUT", "/api/v1/settings/pool")
        .bearer(admin)
        .json(&body)
        .expect(200)
        .json()
}

/// Runs the sweep at `at` in one transaction, as the timer does.
fn sweep_at(app: &TestApp, at: chrono::DateTime<Utc>) -> SweepReport {
    app.db(|conn| {
        persistence::write_tx(conn, |conn| {
            let policy = pool::policy(conn)?;
            pool::sweep(conn, &policy, at)
        })
        .unwrap()
    })
}

#[test]
fn pool_rules_are_organisation_settings_an_admin_edits() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let got = app
        .get("/api/v1/settings/pool")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["no_follow_up_days"], json!({"a": 30, "b": 30, "c": 30}));
    assert_eq!(got["no_deal_days"]["b"], 90);
    assert_eq!(got["warn_days"], 3);
    assert_eq!(got["reclaim_cooldown_days"], 7);
    app.req("PUT", "/api/v1/settings/pool")
        .bearer(&li.token)
        .json(&json!({"warn_days": 5}))
        .problem(403, "forbidden");
    // absent fields stay; null switches a rule off
    let saved = settings(
        &app,
        &t.admin,
        json!({"no_follow_up_days": {"a": 60, "c": null}, "max_owned": 100, "daily_claims": null}),
    );
    assert_eq!(saved["no_follow_up_days"], json!({"a": 60, "b": 30, "c": null}));
    assert_eq!(saved["max_owned"], 100);
    assert_eq!(saved["daily_claims"], Value::Null);
    assert_eq!(saved["warn_days"], 3);
    let again = app
        .get("/api/v1/settings/pool")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(again, saved);
    let p = app
        .req("PUT", "/api/v1/settings/pool")
        .bearer(&t.admin)
        .json(&json!({"no_deal_days": {"b": 0}, "warn_days": 9999}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["no_deal_days.b", "warn_days"]);
    // nothing of a refused change was kept
    let after = app
        .get("/api/v1/settings/pool")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(after, saved);
    let p = app
        .req("PUT", "/api/v1/settings/pool")
        .bearer(&t.admin)
        .json(&json!({"sweep_every": 1}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "sweep_every");
}

#[test]
fn fifty_concurrent_claims_of_one_pool_customer_give_one_owner() {
    let app = TestApp::spawn();
    let t = team(&app);
    let reps: Vec<TestUser> = (0..5).map(|i| rep(&app, &t, &format!("rep{i}@example.com"))).collect();
    let c = pooled(&app, &reps[0], "上海浦东软件有限公司");
    // the releaser is in the cool-down; the other four race, ten requests each
    let results: Vec<(usize, crm_tests::Res)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (app, who) = (&app, 1 + i % 4);
                let token = reps[who].token.clone();
                s.spawn(move || (who, claim(app, &token, c)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<usize> = results
        .iter()
        .filter(|(_, r)| r.status == 200)
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|(_, r)| r.status).collect::<Vec<_>>()
    );
    for (_, r) in results.iter().filter(|(_, r)| r.status != 200) {
        r.problem(409, "already_claimed");
    }
    let owner = reps[winners[0]].id;
    let got = app
        .get(&format!("/api/v1/customers/{c}"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["owner"]["id"], owner);
    assert_eq!(got["in_pool"], false);
    assert_eq!(got["pooled_at"], Value::Null);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM pool_events WHERE customer_id = {c} AND kind = 'claimed'"
        )),
        1
    );
}

#[test]
fn a_claim_over_a_limit_is_refused_naming_the_limit() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let wang = rep(&app, &t, "wang@example.com");
    let pool_ids: Vec<i64> = (0..6).map(|i| pooled(&app, &wang, &format!("公海客户{i}号"))).collect();
    settings(&app, &t.admin, json!({"max_owned": 1, "daily_claims": 2}));
    claim(&app, &li.token, pool_ids[0]).expect(200);
    let p = claim(&app, &li.token, pool_ids[1]).problem(422, "pool_limit");
    assert_eq!(p["errors"][0]["field"], "max_owned");
    assert_eq!(p["context"]["limit"], 1);
    // the daily cap counts claims made today
    settings(&app, &t.admin, json!({"max_owned": null}));
    claim(&app, &li.token, pool_ids[1]).expect(200);
    let p = claim(&app, &li.token, pool_ids[2]).problem(422, "pool_limit");
    assert_eq!(p["errors"][0]["field"], "daily_claims");
    assert_eq!(p["context"]["limit"], 2);
    // a refused claim changed nothing
    let got = app
        .get(&format!("/api/v1/customers/{}", pool_ids[2]))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["in_pool"], true);
    // a day is a calendar day in the organisation's zone: claims made before
    // its midnight no longer count
    let zone = domain::calendar::zone("Asia/Shanghai").unwrap();
    let midnight = domain::calendar::day_start(domain::calendar::today(Utc::now(), zone), zone);
    let yesterday = (midnight - chrono::Duration::seconds(1))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.sql(&format!(
        "UPDATE pool_events SET at = '{yesterday}' WHERE kind = 'claimed' AND user_id = {}",
        li.id
    ));
    claim(&app, &li.token, pool_ids[2]).expect(200);
    claim(&app, &li.token, pool_ids[3]).expect(200);
    let p = claim(&app, &li.token, pool_ids[4]).problem(422, "pool_limit");
    assert_eq!(p["errors"][0]["field"], "daily_claims");
    // a user's own limit overrides the organisation's
    settings(&app, &t.admin, json!({"daily_claims": null, "max_owned": 2}));
    app.patch(&format!("/api/v1/users/{}", li.id))
        .bearer(&t.admin)
        .json(&json!({"max_customers": 5}))
        .expect(200);
    claim(&app, &li.token, pool_ids[4]).expect(200);
    let p = claim(&app, &li.token, pool_ids[5]).problem(422, "pool_limit");
    assert_eq!(p["context"]["limit"], 5);
}

#[test]
fn a_previous_owner_waits_out_the_cool_down() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let wang = rep(&app, &t, "wang@example.com");
    let c = pooled(&app, &li, "杭州西湖茶叶有限公司");
    let got = app
        .get(&format!("/api/v1/customers/{c}"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["in_pool"], true);
    assert_eq!(got["previous_owner_id"], li.id);
    assert_eq!(got["pool_reason"], "没有需求");
    assert!(got["pooled_at"].is_string());
    let p = claim(&app, &li.token, c).problem(422, "pool_limit");
    assert_eq!(p["errors"][0]["field"], "reclaim_cooldown_days");
    assert!(p["context"]["until"].is_string(), "{p}");
    // eight days later the cool-down is over
    app.sql(&format!(
        "UPDATE customers SET pooled_at = {} WHERE id = {c}",
        eight_days_before("pooled_at")
    ));
    claim(&app, &li.token, c).expect(200);
    // someone else never waited: the cool-down is the previous owner's only
    let d = pooled(&app, &li, "苏州园林设计有限公司");
    claim(&app, &wang.token, d).expect(200);
    // releasing what is in the pool, or what another rep owns
    release(&app, &li.token, d).problem(404, "not_found");
    let e = pooled(&app, &wang, "无锡太湖渔业有限公司");
    release(&app, &t.admin, e).problem(409, "already_in_pool");
    app.post(&format!("/api/v1/customers/{e}/release"))
        .bearer(&t.admin)
        .json(&json!({"reason": "  "}))
        .problem(422, "validation_failed");
}

fn eight_days_before(column: &str) -> String {
    if crm_tests::backend_is_postgres() {
        format!("{column} - INTERVAL '8 days'")
    } else {
        format!("datetime({column}, '-8 days')")
    }
}

#[test]
fn locks_are_capped_and_a_locked_customer_stays_out_of_the_sweep() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    settings(&app, &t.admin, json!({"max_locked": 1}));
    let a = CustomerBuilder::new("南京长江大桥建设公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let b = CustomerBuilder::new("合肥科大讯飞代理商")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let locked = app
        .post(&format!("/api/v1/customers/{a}/lock"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(locked["locked"], true);
    let p = app
        .post(&format!("/api/v1/customers/{b}/lock"))
        .bearer(&li.token)
        .send()
        .problem(422, "pool_limit");
    assert_eq!(p["errors"][0]["field"], "max_locked");
    let report = sweep_at(&app, Utc::now() + Duration::days(31));
    let returned: Vec<i64> = report.returned.iter().map(|r| r.customer_id).collect();
    assert_eq!(returned, [b]);
    let still = app
        .get(&format!("/api/v1/customers/{a}"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(still["owner"]["id"], li.id);
    let unlocked = app
        .post(&format!("/api/v1/customers/{a}/unlock"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(unlocked["locked"], false);
}

#[test]
fn the_sweep_returns_the_neglected_warns_before_and_changes_nothing_twice() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let neglected = CustomerBuilder::new("广州白云机场服务公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let locked = CustomerBuilder::new("深圳南山科技园物业")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let dealt = CustomerBuilder::new("东莞松山湖材料公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    app.post(&format!("/api/v1/customers/{locked}/lock"))
        .bearer(&li.token)
        .send()
        .expect(200);
    app.sql(&format!("UPDATE customers SET dealt = (1 = 1) WHERE id = {dealt}"));

    // 28 days on: the owner is warned, once, of the return in two days
    let soon = Utc::now() + Duration::days(28);
    let first = sweep_at(&app, soon);
    assert!(first.returned.is_empty());
    let warned: Vec<(i64, i64)> = first.warned.iter().map(|w| (w.customer_id, w.owner_id)).collect();
    assert_eq!(warned, [(neglected, li.id)]);
    assert!(first.warned[0].due_at > soon && first.warned[0].due_at <= soon + Duration::days(3));
    assert_eq!(sweep_at(&app, soon), SweepReport::default());

    // 31 days on: it returns, with the reason; the locked and the dealt stay
    let later = Utc::now() + Duration::days(31);
    let report = sweep_at(&app, later);
    let returned: Vec<(i64, i64, &str)> = report
        .returned
        .iter()
        .map(|r| (r.customer_id, r.owner_id, r.reason.as_str()))
        .collect();
    assert_eq!(returned, [(neglected, li.id, "no_follow_up")]);
    let got = app
        .get(&format!("/api/v1/customers/{neglected}"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["in_pool"], true);
    assert_eq!(got["previous_owner_id"], li.id);
    assert_eq!(got["pool_reason"], "no_follow_up");
    let pool = app.get("/api/v1/pool").bearer(&li.token).send().expect(200).json();
    let in_pool: Vec<i64> = pool["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(in_pool, [neglected]);
    // idempotent: a second run changes nothing
    assert_eq!(sweep_at(&app, later), SweepReport::default());
    let audit = app.count(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE entity_id = {neglected} AND action = 'returned_to_pool'"
    ));
    assert_eq!(audit, 1);
    // the feed event too, once, for the previous owner's team
    let events = app.count(&format!(
        "SELECT COUNT(*) AS n FROM events WHERE entity_id = {neglected} AND kind = 'customer.returned_to_pool' AND owner_id = {}",
        li.id
    ));
    assert_eq!(events, 1);
}

#[test]
fn two_sweeps_at_once_return_each_customer_once() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let ids: Vec<i64> = (0..30)
        .map(|i| id(&CustomerBuilder::new(&format!("成都第{i}食品有限公司")).create(&app, &li.token)))
        .collect();
    let later = Utc::now() + Duration::days(31);
    let reports: Vec<SweepReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2).map(|_| s.spawn(|| sweep_at(&app, later))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut returned: Vec<i64> = reports
        .iter()
        .flat_map(|r| r.returned.iter().map(|x| x.customer_id))
        .collect();
    returned.sort_unstable();
    assert_eq!(returned, ids);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM pool_events WHERE kind = 'returned'"),
        30
    );
}

#[test]
fn a_won_deal_marks_its_customer_dealt_and_the_no_deal_rule_stops() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let c = CustomerBuilder::new("重庆火锅连锁集团")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let p = app
        .post("/api/v1/pipelines")
        .bearer(&t.admin)
        .json(&json!({"name": "快速成交", "allow_skip": true, "stages": [
            {"name": "接洽", "probability": 20, "kind": "open"},
            {"name": "成交", "probability": 100, "kind": "won"},
            {"name": "丢单", "probability": 0, "kind": "lost"}
        ]}))
        .expect(201)
        .json();
    let won = p["stages"][1]["id"].as_i64().unwrap();
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&li.token)
        .json(&json!({"customer_id": c, "pipeline_id": p["id"], "title": "年度采购",
                      "amount": {"amount": 100_000, "currency": "CNY"}}))
        .expect(201)
        .json();
    app.post(&format!("/api/v1/opportunities/{}/transitions", id(&deal)))
        .bearer(&t.admin)
        .json(&json!({"to_stage_id": won}))
        .expect(200);
    let got = app
        .get(&format!("/api/v1/customers/{c}"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["dealt"], true);
    assert!(sweep_at(&app, Utc::now() + Duration::days(400)).returned.is_empty());
}

#[test]
fn a_leaving_rep_hands_over_customers_leads_and_deals_or_releases_them_then_holds_nothing() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let wang = rep(&app, &t, "wang@example.com");
    let kept = CustomerBuilder::new("西安古城文旅公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let dropped = CustomerBuilder::new("兰州牛肉面连锁")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let wangs = CustomerBuilder::new("银川枸杞贸易公司")
        .create_dto(&app, &wang.token)
        .customer
        .id;
    // li works a deal on wang's customer as a read-write member
    app.req("PUT", &format!("/api/v1/customers/{wangs}/members/{}", li.id))
        .bearer(&wang.token)
        .json(&json!({"access": "read_write"}))
        .expect(200);
    let deal = id(&app
        .post("/api/v1/opportunities")
        .bearer(&li.token)
        .json(&json!({"customer_id": wangs, "title": "枸杞礼盒"}))
        .expect(201)
        .json());
    let lead = id(&app
        .post("/api/v1/leads")
        .bearer(&li.token)
        .json(&json!({"company": "西宁高原牧业", "phone": "13800001111"}))
        .expect(201)
        .json());
    let p = app
        .post(&format!("/api/v1/users/{}/deactivate", li.id))
        .bearer(&t.admin)
        .send()
        .problem(409, "user_owns_customers");
    assert_eq!(p["context"], json!({"customers": 2, "leads": 1, "opportunities": 1}));
    // a customer to release must be the leaver's
    let p = app
        .post(&format!("/api/v1/users/{}/transfer-customers", li.id))
        .bearer(&t.admin)
        .json(&json!({"to_user_id": wang.id, "release_customer_ids": [wangs], "release_reason": "离职"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "release_customer_ids");
    let done = app
        .post(&format!("/api/v1/users/{}/transfer-customers", li.id))
        .bearer(&t.admin)
        .json(&json!({"to_user_id": wang.id, "release_customer_ids": [dropped], "release_reason": "离职，客户无需求"}))
        .expect(200)
        .json();
    assert_eq!(done["customer_ids"], json!([kept]));
    assert_eq!(done["released_customer_ids"], json!([dropped]));
    assert_eq!(done["lead_ids"], json!([lead]));
    assert_eq!(done["opportunity_ids"], json!([deal]));
    let got = app
        .get(&format!("/api/v1/customers/{dropped}"))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(got["in_pool"], true);
    assert_eq!(got["pool_reason"], "离职，客户无需求");
    app.post(&format!("/api/v1/users/{}/deactivate", li.id))
        .bearer(&t.admin)
        .send()
        .expect(200);
    for (table, open) in [
        ("customers", "deleted_at IS NULL"),
        ("leads", "status IN ('new', 'contacted', 'qualified')"),
        ("opportunities", "status = 'open'"),
    ] {
        let held = app.count(&format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE owner_id = {} AND {open}",
            li.id
        ));
        assert_eq!(held, 0, "{table}");
    }
}

/// A sweep that returns thousands of customers at once writes their events
/// in several inserts: one insert of them all failed on SQLite with "too
/// many SQL variables" (found by the reports bench at 300,000 customers),
/// and nobody's customer ever went back to the pool.
#[test]
fn a_sweep_returning_thousands_of_customers_writes_all_their_events() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = rep(&app, &t, "li@example.com");
    let first = CustomerBuilder::new("批量回收样板公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    // both backends read a recursive CTE
    let seq = "RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 5000)";
    app.sql(&format!(
        "WITH {seq} INSERT INTO customers (name, name_key, name_key_rev, owner_id, owned_since, grade, created_by, created_at, updated_at) \
         SELECT 'sweep ' || seq.i, 'sweep' || seq.i, seq.i || 'peews', c.owner_id, c.owned_since, c.grade, c.created_by, c.created_at, c.updated_at \
         FROM customers c CROSS JOIN seq WHERE c.id = {first}"
    ));
    let report = sweep_at(&app, Utc::now() + Duration::days(31));
    assert_eq!(report.returned.len(), 5001);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'customer.returned_to_pool'"),
        5001
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM customers WHERE owner_id IS NOT NULL"),
        0
    );
}
