//! API keys for integrations.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn a_scoped_key_reads_users_until_revoked() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let created = app
        .post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "import script", "scopes": ["users:read", "leads:write"]}))
        .expect(201)
        .json();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    assert_eq!(created["scopes"], json!(["leads:write", "users:read"]));

    let users = app
        .get("/api/v1/users")
        .header("X-Api-Key", &key)
        .send()
        .expect(200)
        .json();
    assert_eq!(users["data"][0]["id"], 1);
    // a scope it lacks, and user-only endpoints
    app.get("/api/v1/departments")
        .header("X-Api-Key", &key)
        .send()
        .problem(403, "forbidden");
    app.get("/api/v1/me")
        .header("X-Api-Key", &key)
        .send()
        .problem(403, "forbidden");
    app.post("/api/v1/users")
        .header("X-Api-Key", &key)
        .json(&json!({"email": "x@example.com", "name": "X", "password": "long-enough-pw", "role": "admin"}))
        .problem(403, "forbidden");

    let listed = app.get("/api/v1/api-keys").bearer(&admin).send().expect(200).json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("key").is_none(), "the key is shown only once");
    assert!(listed[0]["last_used_at"].is_string(), "use is recorded: {listed}");

    let id = created["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/api-keys/{id}"))
        .bearer(&admin)
        .send()
        .expect(200);
    app.get("/api/v1/users")
        .header("X-Api-Key", &key)
        .send()
        .problem(401, "invalid_api_key");
    app.get("/api/v1/users")
        .header("X-Api-Key", "crm_made_up")
        .send()
        .problem(401, "invalid_api_key");
    let all = app
        .get("/api/v1/api-keys?include_revoked=true")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert!(all[0]["revoked_at"].is_string());
}

#[test]
fn unknown_scopes_are_refused() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let p = app
        .post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "k", "scopes": ["users:read", "admin:all"]}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "scopes.1");
    app.post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "k", "scopes": []}))
        .problem(422, "validation_failed");
}

/// A sync script with `customers:read` pages through customers changed since
/// its last run and the ids deleted since then, and may not write; a key with
/// `customers:write` creates; a key acts with its issuer's powers now.
#[test]
fn customer_scopes_open_the_customer_operations_they_name() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let key_with = |scopes: serde_json::Value| {
        app.post("/api/v1/api-keys")
            .bearer(&admin)
            .json(&json!({"name": "sync", "scopes": scopes}))
            .expect(201)
            .json()["key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let reader = key_with(json!(["customers:read"]));
    let writer = key_with(json!(["customers:write"]));

    let first = app
        .post("/api/v1/customers")
        .header("X-Api-Key", &writer)
        .json(&json!({"name": "钥匙同步科技有限公司"}))
        .expect(201)
        .json();
    let gone = app
        .post("/api/v1/customers")
        .header("X-Api-Key", &writer)
        .json(&json!({"name": "将被删除的公司"}))
        .expect(201)
        .json();
    let since = first["created_at"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/v1/customers/{}", gone["id"]))
        .header("X-Api-Key", &writer)
        .send()
        .expect(204);

    let page = app
        .get(&format!(
            "/api/v1/customers?updated_since={}",
            since.replace('+', "%2B")
        ))
        .header("X-Api-Key", &reader)
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["钥匙同步科技有限公司"]);
    app.get(&format!("/api/v1/customers/{}", first["id"]))
        .header("X-Api-Key", &reader)
        .send()
        .expect(200);
    let deleted = app
        .get(&format!(
            "/api/v1/customers/deleted?since={}",
            since.replace('+', "%2B")
        ))
        .header("X-Api-Key", &reader)
        .send()
        .expect(200)
        .json();
    assert_eq!(deleted["data"][0]["id"], gone["id"], "{deleted}");

    // the read key may not write, the write key may not read
    let p = app
        .post("/api/v1/customers")
        .header("X-Api-Key", &reader)
        .json(&json!({"name": "不该创建的公司"}))
        .problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("customers:write"), "{p}");
    app.get("/api/v1/customers")
        .header("X-Api-Key", &writer)
        .send()
        .problem(403, "forbidden");
    // merging stays with signed-in admins
    app.post(&format!("/api/v1/customers/{}/merge", first["id"]))
        .header("X-Api-Key", &writer)
        .json(&json!({"from_customer_id": gone["id"]}))
        .problem(403, "forbidden");

    // the issuer's powers now: a second admin's key stops when they are deactivated
    let other = app.user(&admin, "second-admin@example.com", "admin", None);
    let their_key = app
        .post("/api/v1/api-keys")
        .bearer(&other.token)
        .json(&json!({"name": "theirs", "scopes": ["customers:read"]}))
        .expect(201)
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/customers")
        .header("X-Api-Key", &their_key)
        .send()
        .expect(200);
    app.post(&format!("/api/v1/users/{}/deactivate", other.id))
        .bearer(&admin)
        .send()
        .expect(200);
    app.get("/api/v1/customers")
        .header("X-Api-Key", &their_key)
        .send()
        .problem(401, "invalid_api_key");
}
