//! Webhooks and the change feed (#13 items 1 and 8): events written with
//! the change, delivered once, signed, retried, disabled after a day of
//! failures, robot formats, and the managers' feed in their scope.

use std::time::Duration;

use crm_tests::receiver::Receiver;
use crm_tests::{CustomerBuilder, TestApp};
use hmac::Mac;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

fn app_with_fast_retries(max_attempts: u32) -> TestApp {
    TestApp::spawn_with(|c| {
        c.limits.webhook_poll = Duration::from_millis(50);
        c.limits.webhook_retry = domain::events::RetryPolicy {
            base: chrono::Duration::milliseconds(100),
            cap: chrono::Duration::milliseconds(200),
            max_attempts,
        };
    })
}

fn subscribe(app: &TestApp, admin: &str, body: Value) -> Value {
    app.post("/api/v1/webhooks")
        .bearer(admin)
        .json(&body)
        .expect(201)
        .json()
}

fn deliveries(app: &TestApp, admin: &str, hook: &Value) -> Vec<Value> {
    let path = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    app.get(&path)
        .bearer(admin)
        .send()
        .expect(200)
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn verify(secret: &str, signature: &str, body: &str) -> bool {
    let (t, v1) = signature.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    expected == v1
}

#[test]
fn a_committed_change_is_delivered_once_and_signed() {
    let app = app_with_fast_retries(5);
    let admin = app.admin_token();
    let receiver = Receiver::start(vec![200], "{}");
    let hook = subscribe(
        &app,
        &admin,
        json!({"name": "ERP", "url": receiver.url, "events": ["customer.created", "deal.won"]}),
    );
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = app
        .get(&format!("/api/v1/webhooks/{}", hook["id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert!(listed.get("secret").is_none(), "the secret is shown once: {listed}");

    let c = CustomerBuilder::new("签名验证科技有限公司").create(&app, &admin);
    // a refused duplicate writes nothing, so nothing is sent
    app.post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "签名验证科技有限公司"}))
        .problem(409, "customer_exists");
    let got = receiver.wait_for(1, WAIT);
    std::thread::sleep(Duration::from_millis(400));
    let got_after = receiver.received();
    assert_eq!(got_after.len(), 1, "exactly one delivery: {got_after:?}");
    let r = &got[0];
    assert_eq!(r.path, "/hook");
    assert_eq!(r.header("x-crm-event"), Some("customer.created"));
    assert!(
        verify(&secret, r.header("x-crm-signature").unwrap(), &r.body),
        "signature: {r:?}"
    );
    assert!(!verify("whsec_wrong", r.header("x-crm-signature").unwrap(), &r.body));
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["type"], "customer.created");
    assert_eq!(body["data"]["id"], c["id"]);
    assert_eq!(body["data"]["name"], "签名验证科技有限公司");
    assert_eq!(
        r.header("x-crm-delivery"),
        Some(body["delivery_id"].to_string().as_str())
    );

    let list = deliveries(&app, &admin, &hook);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "delivered");
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["attempt_log"][0]["status_code"], 200);
}

#[test]
fn a_rolled_back_create_emits_nothing() {
    let app = app_with_fast_retries(5);
    let admin = app.admin_token();
    let receiver = Receiver::start(vec![200], "{}");
    subscribe(
        &app,
        &admin,
        json!({"name": "ERP", "url": receiver.url, "events": ["customer.created"]}),
    );
    let rolled_back = app.db(|conn| {
        use diesel::Connection;
        conn.transaction::<(), diesel::result::Error, _>(|c| {
            let caller = persistence::scope::Principal {
                user_id: 1,
                role: domain::org::Role::Admin,
                department_id: None,
            };
            let new = persistence::customers::NewCustomer::named(
                domain::dedup::CompanyName::parse("回滚测试有限公司", &domain::dedup::SuffixList::default())
                    .expect("a name"),
            );
            persistence::customers::create(c, &caller, new, None, persistence::now_utc()).expect("created");
            assert_eq!(crm_tests_count(c), 1, "the event is in the transaction");
            Err(diesel::result::Error::RollbackTransaction)
        })
    });
    assert!(rolled_back.is_err());
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM events"), 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM webhook_deliveries"), 0);
    std::thread::sleep(Duration::from_millis(400));
    assert!(receiver.received().is_empty());
    CustomerBuilder::new("提交测试有限公司").create(&app, &admin);
    assert_eq!(receiver.wait_for(1, WAIT).len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM webhook_deliveries"), 1);
}

fn crm_tests_count(c: &mut persistence::DbConn) -> i64 {
    use diesel::prelude::*;
    persistence::schema::events::table.count().get_result(c).unwrap()
}

#[test]
fn a_failing_receiver_is_retried_then_the_subscription_is_disabled() {
    let app = app_with_fast_retries(3);
    let admin = app.admin_token();
    let flaky = Receiver::start(vec![500, 500, 200], "{\"ok\":false}");
    let hook = subscribe(
        &app,
        &admin,
        json!({"name": "flaky", "url": flaky.url, "events": ["customer.created"]}),
    );
    CustomerBuilder::new("重试测试有限公司").create(&app, &admin);
    assert_eq!(flaky.wait_for(3, WAIT).len(), 3, "the third attempt came");
    std::thread::sleep(Duration::from_millis(300));
    let list = deliveries(&app, &admin, &hook);
    assert_eq!(list[0]["status"], "delivered");
    let codes: Vec<i64> = list[0]["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![500, 500, 200]);
    assert_eq!(list[0]["attempt_log"][0]["response_excerpt"], "{\"ok\":false}");
    // the three attempts carry one delivery id
    let ids: Vec<String> = flaky
        .received()
        .iter()
        .map(|r| r.header("x-crm-delivery").unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]));

    let dead = Receiver::start(vec![503], "down");
    let broken = subscribe(
        &app,
        &admin,
        json!({"name": "dead", "url": dead.url, "events": ["customer.created"]}),
    );
    CustomerBuilder::new("停用测试有限公司").create(&app, &admin);
    assert_eq!(dead.wait_for(3, WAIT).len(), 3);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(dead.received().len(), 3, "no attempt after the last");
    let path = format!("/api/v1/webhooks/{}", broken["id"]);
    let now = app.get(&path).bearer(&admin).send().expect(200).json();
    assert_eq!(now["active"], false);
    let reason = now["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains("failed 3 times") && reason.contains("HTTP 503"),
        "{reason}"
    );
    let list = deliveries(&app, &admin, &broken);
    assert_eq!(list[0]["status"], "failed");

    // re-enabled and redelivered, it is sent again
    app.patch(&path)
        .bearer(&admin)
        .json(&json!({"active": true}))
        .expect(200);
    let redeliver = format!("{path}/deliveries/{}/redeliver", list[0]["id"]);
    app.post(&redeliver).bearer(&admin).json(&json!({})).expect(202);
    assert!(dead.wait_for(4, WAIT).len() >= 4);
    app.post(&format!("{path}/deliveries/999999/redeliver"))
        .bearer(&admin)
        .json(&json!({}))
        .problem(404, "not_found");
}

#[test]
fn robots_get_their_own_message_format() {
    let app = app_with_fast_retries(3);
    let admin = app.admin_token();
    let wecom = Receiver::start(vec![200], "{\"errcode\":0,\"errmsg\":\"ok\"}");
    let dingtalk = Receiver::start(vec![200], "{\"errcode\":310000,\"errmsg\":\"sign not match\"}");
    let w = subscribe(
        &app,
        &admin,
        json!({"name": "销售群", "target": "wecom", "url": wecom.url, "events": ["customer.created"]}),
    );
    assert!(w["secret"].is_null());
    let d = subscribe(
        &app,
        &admin,
        json!({"name": "钉钉群", "target": "dingtalk", "url": format!("{}?access_token=abc", dingtalk.url), "secret": "SECabc", "events": ["customer.created"]}),
    );
    CustomerBuilder::new("机器人消息有限公司").create(&app, &admin);
    let got = wecom.wait_for(1, WAIT);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("新客户") && content.contains("机器人消息有限公司"),
        "{content}"
    );
    assert!(got[0].header("x-crm-signature").is_none());

    let got = dingtalk.wait_for(1, WAIT);
    assert!(
        got[0].path.starts_with("/hook?access_token=abc&timestamp="),
        "{}",
        got[0].path
    );
    assert!(got[0].path.contains("&sign="));
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["markdown"]["title"], "新客户");
    // a 200 with a non-zero errcode is a failed attempt
    std::thread::sleep(Duration::from_millis(300));
    let list = deliveries(&app, &admin, &d);
    assert_ne!(list[0]["status"], "delivered");
    assert!(list[0]["attempt_log"][0]["error"].as_str().unwrap().contains("errcode"));
}

#[test]
fn subscriptions_are_validated_and_admin_only() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let rep = app.user(&admin, "rep@example.com", "rep", None);
    app.get("/api/v1/webhooks")
        .bearer(&rep.token)
        .send()
        .problem(403, "forbidden");
    let p = app
        .post("/api/v1/webhooks")
        .bearer(&admin)
        .json(&json!({"name": "x", "url": "ftp://x.example.com", "events": ["customer.deleted"], "target": "slack"}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"url") && fields.contains(&"events.0") && fields.contains(&"target"),
        "{fields:?}"
    );
    app.post("/api/v1/webhooks")
        .bearer(&admin)
        .json(&json!({"name": "x", "url": "https://x.example.com", "events": []}))
        .problem(422, "validation_failed");
    app.get("/api/v1/webhooks/424242")
        .bearer(&admin)
        .send()
        .problem(404, "not_found");
}

#[test]
fn managers_read_their_teams_feed() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let west = app.create_department(&admin, "华西", None);
    let boss = app.user(&admin, "boss@example.com", "manager", Some(east));
    let a1 = app.user(&admin, "a1@example.com", "rep", Some(east));
    let a2 = app.user(&admin, "a2@example.com", "rep", Some(east));
    let b1 = app.user(&admin, "b1@example.com", "rep", Some(west));
    let mine = CustomerBuilder::new("华东客户有限公司").owner(&a1).create(&app, &admin);
    let theirs = CustomerBuilder::new("华西客户有限公司").owner(&b1).create(&app, &admin);
    app.post("/api/v1/customers/transfer")
        .bearer(&admin)
        .json(&json!({"customer_ids": [mine["id"]], "to_user_id": a2.id}))
        .expect(200);
    app.post(&format!("/api/v1/customers/{}/release", theirs["id"]))
        .bearer(&b1.token)
        .json(&json!({"reason": "不需要了"}))
        .expect(200);

    let feed = app
        .get("/api/v1/notifications")
        .bearer(&boss.token)
        .send()
        .expect(200)
        .json();
    let events: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["customer.owner_changed"], "{feed}");
    assert_eq!(feed["unread"], 1);
    assert_eq!(feed["data"][0]["entity_id"], mine["id"]);
    assert!(
        feed["data"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("华东客户有限公司")
    );
    assert_eq!(feed["data"][0]["data"]["previous_owner_id"], a1.id);

    let west_feed = app
        .get("/api/v1/notifications")
        .bearer(&b1.token)
        .send()
        .expect(200)
        .json();
    let events: Vec<&str> = west_feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["customer.returned_to_pool"]);
    let all = app
        .get("/api/v1/notifications")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);

    let count = app
        .get("/api/v1/notifications/unread-count")
        .bearer(&boss.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(count["unread"], 1);
    let marked = app
        .post("/api/v1/notifications/read")
        .bearer(&boss.token)
        .json(&json!({}))
        .expect(200)
        .json();
    assert_eq!(marked["unread"], 0);
    let unread = app
        .get("/api/v1/notifications?unread=true")
        .bearer(&boss.token)
        .send()
        .expect(200)
        .json();
    assert!(unread["data"].as_array().unwrap().is_empty());
    let again = app
        .get("/api/v1/notifications")
        .bearer(&boss.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(again["data"][0]["read"], true);
    // b1's feed is unread still: marks are per user
    let count = app
        .get("/api/v1/notifications/unread-count")
        .bearer(&b1.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(count["unread"], 1);
}

#[test]
fn the_poll_finds_only_what_is_due_unleased_and_active() {
    use diesel::prelude::*;
    use persistence::events::dispatch::any_due;
    use persistence::schema::{webhook_deliveries as d, webhook_subscriptions as s};

    let app = app_with_fast_retries(5);
    let admin = app.admin_token();
    let now = chrono::Utc::now();
    assert!(!app.db(|c| any_due(c, now).unwrap()), "nothing queued");
    let receiver = Receiver::start(vec![200], "{}");
    subscribe(
        &app,
        &admin,
        json!({"name": "poll", "url": receiver.url, "events": ["customer.created"]}),
    );
    CustomerBuilder::new("轮询判定科技有限公司").create(&app, &admin);
    receiver.wait_for(1, WAIT);
    assert!(!app.db(|c| any_due(c, chrono::Utc::now()).unwrap()), "delivered");

    // queued again for tomorrow: not due now, due the day after
    let (tomorrow, later) = (now + chrono::Duration::days(1), now + chrono::Duration::days(2));
    let set = |status: &str, lease: Option<chrono::DateTime<chrono::Utc>>, active: bool| {
        app.db(|c| {
            diesel::update(d::table)
                .set((
                    d::status.eq(status),
                    d::next_attempt_at.eq(tomorrow.naive_utc()),
                    d::lease_until.eq(lease.map(|l| l.naive_utc())),
                ))
                .execute(c)
                .unwrap();
            diesel::update(s::table).set(s::active.eq(active)).execute(c).unwrap();
        })
    };
    set("pending", None, true);
    assert!(!app.db(|c| any_due(c, now).unwrap()), "not yet due");
    assert!(app.db(|c| any_due(c, later).unwrap()), "due");
    // leased by a node until after `later`: not for this poll; lease expired: due
    set("pending", Some(later + chrono::Duration::minutes(1)), true);
    assert!(!app.db(|c| any_due(c, later).unwrap()), "leased");
    set("pending", Some(tomorrow), true);
    assert!(app.db(|c| any_due(c, later).unwrap()), "lease expired");
    // a paused subscription or a settled delivery is never due
    set("pending", None, false);
    assert!(!app.db(|c| any_due(c, later).unwrap()), "subscription paused");
    set("delivered", None, true);
    assert!(!app.db(|c| any_due(c, later).unwrap()), "delivered");
}

/// A name this machine's hosts file maps to a loopback address (`localhost`
/// aside, which is refused by name), if it has one.
fn loopback_name() -> Option<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").ok()?;
    hosts.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let ip: std::net::IpAddr = words.next()?.parse().ok()?;
        if !ip.is_loopback() {
            return None;
        }
        words
            .find(|w| !w.starts_with('#') && *w != "localhost" && !w.ends_with(".localhost"))
            .map(str::to_owned)
    })
}

/// Server-side request forgery (issue #40 item 2): no webhook reaches the
/// server itself or its network, however the address is written, by
/// whatever name, saved or changed; a URL stored before (or rebound since)
/// is refused at connect time, and the delivery log shows no answer from
/// inside.
#[test]
fn a_webhook_never_reaches_the_server_or_its_network() {
    let app = TestApp::spawn_with(|c| {
        c.limits.outbound_allow = domain::outbound::Allow::default();
        c.limits.webhook_poll = Duration::from_millis(50);
    });
    let admin = app.admin_token();
    let receiver = Receiver::start(vec![200], "internal secret answer");
    let port = receiver
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut hosts: Vec<String> = [
        "127.0.0.1",
        "localhost",
        "[::ffff:127.0.0.1]",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "0.0.0.0",
        "[::1]",
        "10.0.0.7",
        "192.168.1.1",
        "172.16.0.1",
        "[fd00::1]",
        "169.254.169.254",
    ]
    .map(str::to_owned)
    .to_vec();
    hosts.extend(loopback_name());
    for host in &hosts {
        for target in ["http", "wecom"] {
            let url = format!("http://{host}:{port}/hook");
            let p = app
                .post("/api/v1/webhooks")
                .bearer(&admin)
                .json(&json!({"name": "内网", "target": target, "url": url, "events": ["customer.created"]}))
                .problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
            assert_eq!(p["errors"][0]["code"], "address", "{url}: {p}");
        }
    }
    // a public address is taken, and may not be changed to an inside one
    let hook = subscribe(
        &app,
        &admin,
        json!({"name": "ERP", "url": "https://erp.example.com/hooks/crm", "events": ["customer.created"]}),
    );
    let p = app
        .patch(&format!("/api/v1/webhooks/{}", hook["id"]))
        .bearer(&admin)
        .json(&json!({"url": format!("http://127.1:{port}/hook")}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "address", "{p}");
    // stored behind the API's back (before this rule, or a name rebound to
    // loopback since): the delivery is refused when it connects
    app.sql(&format!(
        "UPDATE webhook_subscriptions SET url = 'http://127.0.0.1:{port}/hook' WHERE id = {}",
        hook["id"]
    ));
    CustomerBuilder::new("内网探测有限公司").create(&app, &admin);
    let deadline = std::time::Instant::now() + WAIT;
    let attempts = loop {
        let list = deliveries(&app, &admin, &hook);
        let log = list
            .first()
            .map(|d| d["attempt_log"].as_array().cloned().unwrap_or_default())
            .unwrap_or_default();
        if !log.is_empty() || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!attempts.is_empty(), "the delivery was attempted");
    let first = &attempts[0];
    assert!(first["status_code"].is_null(), "{first}");
    assert!(first["response_excerpt"].is_null(), "{first}");
    assert!(
        first["error"]
            .as_str()
            .unwrap_or_default()
            .contains("does not send there"),
        "{first}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(receiver.received().is_empty(), "nothing reached the inside service");
}
