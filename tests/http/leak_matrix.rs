//! The leak matrix, generated from the OpenAPI document the server
//! publishes: for every operation on a record of a team (a path with `{id}`),
//! a rep of another team, a manager of another subtree and an API key without
//! the scope try it on one of the east team's records and on an id that does
//! not exist. Each answer must be the same for both (so nothing tells the
//! record exists), never a 2xx and never a 5xx. A rep the east customer is
//! shared with read-only may read (2xx) but no write succeeds. A route added
//! later joins by itself; a new kind of record fails the test until it is
//! named below.

use std::collections::HashMap;

use crm_tests::{CustomerBuilder, TestApp, TestUser};
use serde_json::{Value, json};

/// Records that belong to the organisation, not to a team: their access is
/// by role (admin writes), tested with their own routes.
const ORGANISATION: [&str; 13] = [
    "api-keys",
    "competitors",
    "departments",
    "dictionaries",
    "dictionary-entries",
    "forms",
    "lead-rules",
    "pipelines",
    "products",
    "users",
    "lead-forms",
    "webhooks",
    "custom-fields",
];

const GHOST: i64 = 987_654_321;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// One of each kind of team record, all the east rep's.
fn records(app: &TestApp, li: &TestUser) -> HashMap<&'static str, i64> {
    let t = &li.token;
    let c = CustomerBuilder::new("华东机密客户").create_dto(app, t).customer.id;
    let post = |path: &str, body: Value| id(&app.post(path).bearer(t).json(&body).expect(201).json());
    let contact = post(&format!("/api/v1/customers/{c}/contacts"), json!({"name": "张经理"}));
    let lead = post(
        "/api/v1/leads",
        json!({"person_name": "王先生", "phone": "13911112222"}),
    );
    let deal = post("/api/v1/opportunities", json!({"customer_id": c, "title": "机密商机"}));
    let activity = post(&format!("/api/v1/customers/{c}/activities"), json!({"kind": "call"}));
    let task = post(
        "/api/v1/tasks",
        json!({"kind": "task", "title": "回电", "customer_id": c, "due_at": "2030-01-01T00:00:00Z"}),
    );
    let complaint = post(
        &format!("/api/v1/customers/{c}/complaints"),
        json!({"subject": "交货延迟", "severity": "high"}),
    );
    let contract = post(
        "/api/v1/contracts",
        json!({"number": "HT-LEAK", "customer_id": c, "title": "机密合同",
               "amount": {"amount": 100, "currency": "CNY"}, "signed_on": "2026-11-01"}),
    );
    let report = post("/api/v1/work-reports", json!({"kind": "daily"}));
    let attachment = id(&app
        .post(&format!("/api/v1/customers/{c}/attachments?file_name=secret.pdf"))
        .bearer(t)
        .bytes("application/pdf", b"%PDF-1.4 secret")
        .expect(201)
        .json());
    HashMap::from([
        ("customers", c),
        ("pool", c),
        ("contacts", contact),
        ("leads", lead),
        ("opportunities", deal),
        ("activities", activity),
        ("tasks", task),
        ("complaints", complaint),
        ("contracts", contract),
        ("work-reports", report),
        ("attachments", attachment),
    ])
}

/// Who calls: a signed-in user's token, or an integration's API key.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Bearer(&'a str),
    Key(&'a str),
}

fn call(app: &TestApp, method: &str, path: &str, auth: Auth) -> (u16, String) {
    let req = app.req(&method.to_uppercase(), path);
    let req = match auth {
        Auth::Bearer(token) => req.bearer(token),
        Auth::Key(key) => req.header("X-Api-Key", key),
    };
    let res = match method {
        "get" | "delete" => req.send(),
        _ => req.json(&json!({})),
    };
    let code = serde_json::from_str::<Value>(&res.body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (res.status, code)
}

#[test]
fn no_operation_on_a_record_tells_another_team_it_exists() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(north));
    let north_mgr = app.user(&admin, "north-mgr@example.com", "manager", Some(north));
    app.req("PUT", "/api/v1/settings/contracts")
        .bearer(&admin)
        .json(&json!({"currency": "CNY", "approval_above": 1_000_000}))
        .expect(200);
    let mut ids = records(&app, &li);
    // a mentorship of the east team (a manager's or admin's record)
    let junior = app.user(&admin, "junior@example.com", "rep", Some(east));
    let m = app
        .post("/api/v1/team/mentorships")
        .bearer(&admin)
        .json(&json!({"mentor_id": li.id, "mentee_id": junior.id}))
        .expect(201)
        .json();
    ids.insert("team", id(&m));
    // an integration key whose one scope opens no record route
    let key = app
        .post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "directory sync", "scopes": ["departments:read"]}))
        .expect(201)
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // a north rep the admin shares the east customer with, read-only
    let reader = app.user(&admin, "reader@example.com", "rep", Some(north));
    app.req(
        "PUT",
        &format!("/api/v1/customers/{}/members/{}", ids["customers"], reader.id),
    )
    .bearer(&admin)
    .json(&json!({"access": "read_only"}))
    .expect(200);
    let mut reads = 0;
    let spec: Value = serde_json::from_str(&api::openapi::spec_json()).unwrap();
    let mut operations = 0;
    let mut requests = 0;
    let mut failures = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.contains("{id}") {
            continue;
        }
        let resource = path.trim_start_matches("/api/v1/").split('/').next().unwrap();
        if ORGANISATION.contains(&resource) {
            continue;
        }
        let Some(record) = ids.get(resource) else {
            panic!("{path}: a new kind of record; add one to `records` or to ORGANISATION");
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let real = path
                .replace("{id}", &record.to_string())
                .replace("{user_id}", &wang.id.to_string());
            let ghost = path
                .replace("{id}", &GHOST.to_string())
                .replace("{user_id}", &wang.id.to_string());
            for (who, auth) in [
                ("rep of another team", Auth::Bearer(&wang.token)),
                ("manager of another subtree", Auth::Bearer(&north_mgr.token)),
                ("API key without the scope", Auth::Key(&key)),
            ] {
                let (status, code) = call(&app, method, &real, auth);
                let (ghost_status, ghost_code) = call(&app, method, &ghost, auth);
                requests += 2;
                // a key is refused for what it is, before its body is read
                let key_refused = !matches!(auth, Auth::Key(_)) || status == 403;
                if status >= 500
                    || (200..300).contains(&status)
                    || (status, &code) != (ghost_status, &ghost_code)
                    || !key_refused
                {
                    failures.push(format!(
                        "{} {real} as a {who}: {status} {code} (a missing id: {ghost_status} {ghost_code})",
                        method.to_uppercase()
                    ));
                }
            }
            // read-only sharing: reading may succeed, changing may not
            let (status, code) = call(&app, method, &real, Auth::Bearer(&reader.token));
            requests += 1;
            let wrote = method != "get" && (200..300).contains(&status);
            reads += usize::from(method == "get" && status == 200);
            if status >= 500 || wrote {
                failures.push(format!(
                    "{} {real} as a rep with read-only sharing: {status} {code}",
                    method.to_uppercase()
                ));
            }
        }
    }
    println!("leak matrix: {operations} operations, {requests} requests, {reads} reads by the read-only member");
    assert!(reads >= 3, "the read-only member reads the shared customer: {reads}");
    assert!(
        operations >= 40,
        "the matrix covers every operation on a record: {operations}"
    );
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // and the records are still the owner's, unchanged
    let c = app
        .get(&format!("/api/v1/customers/{}", ids["customers"]))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(
        (c["owner"]["id"].as_i64(), c["name"].as_str()),
        (Some(li.id), Some("华东机密客户")),
        "{c}"
    );
}
