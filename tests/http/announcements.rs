//! Time passing becomes events (#13 items 1 and 8): a task reaching its due
//! time is `task.due`, a payment plan past its day unpaid is
//! `payment.overdue`; each is announced once, to webhooks and the feed.

use std::time::Duration;

use crm_tests::receiver::Receiver;
use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

#[test]
fn a_due_task_and_an_overdue_payment_are_announced_once() {
    let app = TestApp::spawn_with(|c| {
        c.limits.webhook_poll = Duration::from_millis(50);
        c.limits.announce_every = Duration::from_millis(200);
    });
    let admin = app.admin_token();
    let receiver = Receiver::start(vec![200], "{}");
    app.post("/api/v1/webhooks")
        .bearer(&admin)
        .json(&json!({"name": "提醒", "url": receiver.url, "events": ["task.due", "payment.overdue"]}))
        .expect(201);
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let customer = CustomerBuilder::new("到期提醒有限公司").create(&app, &admin);

    // a task due in a second
    let due = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let task = app
        .post("/api/v1/tasks")
        .bearer(&admin)
        .json(&json!({"kind": "task", "title": "回电确认报价", "customer_id": customer["id"], "due_at": due}))
        .expect(201)
        .json();
    // a small contract, approved at once, with a plan due last January and nothing paid
    let contract = app
        .post("/api/v1/contracts")
        .bearer(&admin)
        .json(
            &json!({"number": "HT-DUE", "customer_id": customer["id"], "title": "提醒合同",
                      "amount": {"amount": 50_000, "currency": "CNY"}, "signed_on": "2026-01-01"}),
        )
        .expect(201)
        .json();
    let path = format!("/api/v1/contracts/{}", contract["id"]);
    app.req("PUT", &format!("{path}/payment-plans"))
        .bearer(&admin)
        .json(&json!({"plans": [{"due_on": "2026-01-31", "amount": {"amount": 50_000, "currency": "CNY"}}]}))
        .expect(200);
    app.post(&format!("{path}/submit")).bearer(&admin).send().expect(200);

    let got = receiver.wait_for(2, Duration::from_secs(10));
    let mut kinds: Vec<String> = got
        .iter()
        .map(|r| r.header("x-crm-event").unwrap_or("").to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["payment.overdue", "task.due"]);
    let bodies: Vec<Value> = got.iter().map(|r| serde_json::from_str(&r.body).unwrap()).collect();
    let task_event = bodies.iter().find(|b| b["type"] == "task.due").unwrap();
    assert_eq!(task_event["data"]["id"], task["id"], "{task_event}");
    let payment_event = bodies.iter().find(|b| b["type"] == "payment.overdue").unwrap();
    assert_eq!(payment_event["data"]["number"], "HT-DUE", "{payment_event}");

    // announced once: later runs send nothing more
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(receiver.received().len(), 2);
    let feed = app
        .get("/api/v1/notifications")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let feed_kinds: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["event"].as_str())
        .collect();
    assert!(feed_kinds.contains(&"payment.overdue"), "{feed}");

    // a new due time is announced when it comes
    app.patch(&format!("/api/v1/tasks/{}", task["id"]))
        .bearer(&admin)
        .json(&json!({"due_at": (chrono::Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339()}))
        .expect(200);
    assert_eq!(receiver.wait_for(3, Duration::from_secs(10)).len(), 3);
}
