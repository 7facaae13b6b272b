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
