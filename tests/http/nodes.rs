//! Several `crm serve` processes on one database behave as one: a token from
//! one node works on the other, a deactivation on one ends the session on the
//! other within the auth cache's second, an idempotent retry sent to the other
//! node replays, and the timed sweeps (housekeeping, announcements) run once
//! per period across nodes.

use std::time::{Duration, Instant};

use crm_tests::child::ChildServer;
use crm_tests::password_of;
use serde_json::json;

#[test]
fn two_nodes_on_one_database_act_as_one() {
    let a = ChildServer::start(
        env!("CARGO_BIN_EXE_crm-under-test"),
        crm_tests::backend_is_postgres(),
        &[
            ("CRM_REASSIGN_OVERDUE_LEADS", "true"),
            ("CRM_HOUSEKEEPING_SECS", "1"),
            ("CRM_ANNOUNCE_SECS", "1"),
        ],
    );
    let admin = a.admin_token();
    let d = a.create_department(&admin, "华东", None);
    let reps: Vec<i64> = (1..=3)
        .map(|i| a.create_user(&admin, &format!("rep{i}@example.com"), "rep", Some(d)))
        .collect();
    a.post("/api/v1/lead-rules")
        .bearer(&admin)
        .json(&json!({"name": "all to 华东", "target_department_id": d}))
        .expect(201);
    let rows: Vec<serde_json::Value> = (0..12)
        .map(|i| json!({"person_name": format!("逾期{i}"), "phone": format!("135{i:08}")}))
        .collect();
    a.post("/api/v1/leads/import")
        .bearer(&admin)
        .json(&serde_json::Value::Array(rows))
        .expect(200);
    let b = a.another_node();

    // a session started on one node works on the other, and ends on both
    let rep = a.token("rep1@example.com", &password_of("rep1@example.com"));
    b.get("/api/v1/me").bearer(&rep).send().expect(200);
    // rep1's leads go to rep2 first: a deactivated user holds no open work
    b.post(&format!("/api/v1/users/{}/transfer-customers", reps[0]))
        .bearer(&admin)
        .json(&json!({"to_user_id": reps[1]}))
        .expect(200);
    b.post(&format!("/api/v1/users/{}/deactivate", reps[0]))
        .bearer(&admin)
        .send()
        .expect(200);
    std::thread::sleep(Duration::from_millis(1_100));
    a.get("/api/v1/me").bearer(&rep).send().problem(401, "account_inactive");

    // an idempotent create sent to one node, retried on the other, acts once
    let body = json!({"name": "跨节点客户"});
    let first = a
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Idempotency-Key", "cross-node-1")
        .json(&body)
        .expect(201);
    let again = b
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Idempotency-Key", "cross-node-1")
        .json(&body)
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json()["id"], first.json()["id"]);

    // a task coming due is announced once, though both nodes look every second
    a.post("/api/v1/webhooks")
        .bearer(&admin)
        .json(&json!({"name": "nowhere", "url": "http://127.0.0.1:9/hook", "events": ["task.due"]}))
        .expect(201);
    let due = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    b.post("/api/v1/tasks")
        .bearer(&admin)
        .json(&json!({"kind": "task", "title": "跨节点提醒", "due_at": due}))
        .expect(201);
    let deadline = Instant::now() + Duration::from_secs(30);
    while a.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'task.due'") == 0 {
        assert!(Instant::now() < deadline, "the announcement never ran");
        std::thread::sleep(Duration::from_millis(200));
    }

    // the overdue sweep: both nodes tick every second, each lead moves once
    a.sql("UPDATE leads SET first_contact_due_at = '2000-01-01 00:00:00'");
    let deadline = Instant::now() + Duration::from_secs(30);
    while a.count("SELECT COUNT(*) AS n FROM leads WHERE first_contact_due_at < '2001-01-01 00:00:00'") > 0 {
        assert!(Instant::now() < deadline, "the sweep never ran");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(2_500)); // more periods on both nodes
    let moves = a.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'reassigned'");
    assert_eq!(moves, 12, "each lead moved exactly once");
    assert_eq!(
        a.count("SELECT COUNT(*) AS n FROM events WHERE kind = 'task.due'"),
        1,
        "announced once across nodes"
    );
    assert_eq!(
        a.count("SELECT COUNT(*) AS n FROM job_leases"),
        2,
        "housekeeping and announcements"
    );
}

/// Reports read from the replica `CRM_READ_DATABASE_URL` names; everything
/// else reads and writes the primary. The replica here is a copy of the
/// primary taken at one moment (a standby that stopped replaying), so where
/// each answer was read shows in its figures. On SQLite the setting is
/// refused at start.
#[test]
fn reports_read_from_the_read_replica() {
    if !crm_tests::backend_is_postgres() {
        let dir = std::env::temp_dir().join(format!("crm-replica-{}", std::process::id()));
        let config = api::Config {
            database_url: format!("sqlite://{}", dir.join("crm.db").display()),
            read_database_url: Some("postgres://postgres@127.0.0.1:5432/postgres".into()),
            data_dir: dir.clone(),
            bind: "127.0.0.1:0".into(),
            ..api::Config::default()
        };
        let refused = api::startup::Application::build(config).err().unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            refused.starts_with("CRM_READ_DATABASE_URL: read replicas are for a PostgreSQL"),
            "{refused}"
        );
        return;
    }
    let mut a = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), true, &[]);
    let admin = a.admin_token();
    a.post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "复制之前的客户"}))
        .expect(201);
    let replica = a.copy_database();
    a.set_env("CRM_READ_DATABASE_URL", &replica);
    a.restart();
    let admin = a.admin_token();
    a.post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "复制之后的客户"}))
        .expect(201);
    let list = a.get("/api/v1/customers").bearer(&admin).send().expect(200).json();
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(2),
        "the list reads the primary: {list}"
    );
    let report = a
        .get("/api/v1/reports/customers")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(report["customers"], 1, "the report reads the replica: {report}");
    // every report runs on the replica's read-only connections: none writes
    for path in ["funnel", "forecast", "rankings", "kpis"] {
        a.get(&format!("/api/v1/reports/{path}"))
            .bearer(&admin)
            .send()
            .expect(200);
    }
}
