//! `Idempotency-Key`: a retried POST replays the first answer and acts once.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn a_retried_create_replays_the_first_answer() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let body = json!({"email": "li@example.com", "name": "Li", "password": "long-enough-pw", "role": "rep"});
    let first = app
        .post("/api/v1/users")
        .bearer(&admin)
        .header("Idempotency-Key", "create-li-1")
        .json(&body)
        .expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    // the retry comes with a fresh token, as after a refresh: same caller, same answer
    let again = app.admin_token();
    let second = app
        .post("/api/v1/users")
        .bearer(&again)
        .header("Idempotency-Key", "create-li-1")
        .json(&body)
        .expect(201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json(), first.json());
    assert_eq!(second.header("location"), first.header("location"));
    let users = app.get("/api/v1/users").bearer(&admin).send().expect(200).json();
    assert_eq!(users["data"].as_array().unwrap().len(), 2, "one user created");

    // the same key for another request is a client bug
    let other = json!({"email": "wu@example.com", "name": "Wu", "password": "long-enough-pw", "role": "rep"});
    app.post("/api/v1/users")
        .bearer(&admin)
        .header("Idempotency-Key", "create-li-1")
        .json(&other)
        .problem(422, "idempotency_key_reused");
}

#[test]
fn failed_validation_is_replayed_but_auth_failures_are_not_stored() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let bad = json!({"name": ""});
    let a = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .header("Idempotency-Key", "k1")
        .json(&bad);
    a.problem(422, "validation_failed");
    let b = app
        .post("/api/v1/departments")
        .bearer(&admin)
        .header("Idempotency-Key", "k1")
        .json(&bad);
    b.problem(422, "validation_failed");
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(b.header("content-type"), Some("application/problem+json"));
}

/// kill -9 in the middle of an import, start again, retry with the same key:
/// the retry runs once the dead request's lease is over, and every row exists
/// exactly once.
#[test]
fn a_retry_after_a_crash_completes_the_import_once() {
    use crm_tests::child::ChildServer;
    const ROWS: usize = 10_000;
    let mut server = ChildServer::start(
        env!("CARGO_BIN_EXE_crm-under-test"),
        crm_tests::backend_is_postgres(),
        &[("CRM_IDEMPOTENCY_LEASE_SECS", "3")],
    );
    let rows: Vec<serde_json::Value> = (0..ROWS)
        .map(|i| json!({"person_name": format!("联系人{i}"), "company": format!("崩溃测试公司{i}"), "phone": format!("137{i:08}")}))
        .collect();
    let body = serde_json::Value::Array(rows);
    let token = server.admin_token();
    let first = {
        let (client, body, token) = (
            crm_tests::Client::new(port_of(&server.base)),
            body.clone(),
            token.clone(),
        );
        std::thread::spawn(move || {
            client
                .post("/api/v1/leads/import")
                .bearer(&token)
                .header("Idempotency-Key", "import-after-crash")
                .try_json(&body)
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE status IS NULL") == 0 {
        assert!(std::time::Instant::now() < deadline, "the import never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    server.kill9();
    let answer = first.join().unwrap();
    assert!(answer.is_err(), "the import finished before the kill: {answer:?}");
    assert_eq!(
        server.count("SELECT COUNT(*) AS n FROM leads"),
        0,
        "nothing half-written"
    );

    server.restart();
    let token = server.admin_token();
    let retry = || {
        server
            .post("/api/v1/leads/import")
            .bearer(&token)
            .header("Idempotency-Key", "import-after-crash")
            .json(&body)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let done = loop {
        let r = retry();
        if r.status != 409 {
            break r;
        }
        r.problem(409, "idempotency_in_progress");
        assert!(
            std::time::Instant::now() < deadline,
            "the key stayed in progress after the lease"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let done = done.expect(200);
    assert_eq!(done.json()["summary"]["created"], ROWS as u64);
    assert_eq!(server.count("SELECT COUNT(*) AS n FROM leads"), ROWS as i64);
    let replayed = retry().expect(200);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.json()["summary"], done.json()["summary"]);
    assert_eq!(
        server.count("SELECT COUNT(*) AS n FROM leads"),
        ROWS as i64,
        "created once"
    );
}

fn port_of(base: &str) -> u16 {
    base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap()
}
