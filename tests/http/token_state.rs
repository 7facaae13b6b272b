//! Access tokens follow the user: a role, department or deactivation takes
//! effect on the very next request made with a token issued before it.

use crm_tests::{CustomerBuilder, TestApp, password_of};
use serde_json::json;

#[test]
fn a_demoted_admin_loses_admin_powers_at_once() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let second = app.create_user(&admin, "boss2@example.com", "admin", None);
    let old = app.token("boss2@example.com", &password_of("boss2@example.com"));
    app.patch(&format!("/api/v1/users/{second}"))
        .bearer(&admin)
        .json(&json!({"role": "rep"}))
        .expect(200);
    app.post("/api/v1/users")
        .bearer(&old)
        .json(&json!({"email": "x@example.com", "name": "X", "password": "long-enough-pw", "role": "admin"}))
        .problem(403, "forbidden");
    app.post("/api/v1/api-keys")
        .bearer(&old)
        .json(&json!({"name": "k", "scopes": ["leads:write"]}))
        .problem(403, "forbidden");
    let me = app.get("/api/v1/me").bearer(&old).send().expect(200).json();
    assert_eq!(me["role"], "rep");
}

#[test]
fn a_manager_moved_away_no_longer_reads_the_old_department() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let rep = app.user(&admin, "rep@example.com", "rep", Some(east));
    let customer = CustomerBuilder::new("华东客户").owner(&rep).create(&app, &mgr.token)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/customers/{customer}");
    app.get(&path).bearer(&mgr.token).send().expect(200);
    app.patch(&format!("/api/v1/users/{}", mgr.id))
        .bearer(&admin)
        .json(&json!({"department_id": north}))
        .expect(200);
    // the token issued before the move: same string, new powers
    app.get(&path).bearer(&mgr.token).send().problem(404, "not_found");
    app.patch(&path)
        .bearer(&mgr.token)
        .json(&json!({"notes": "still mine?"}))
        .problem(404, "not_found");
    let listed = app
        .get("/api/v1/customers")
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 0);
    let stored = app.db(|conn| persistence::customers::find(conn, customer).unwrap());
    assert_eq!(stored.notes, None, "the refused edit wrote nothing");
    assert_eq!(stored.owner_id, Some(rep.id));
}

#[test]
fn a_deactivated_users_token_does_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let rep_id = app.create_user(&admin, "rep@example.com", "rep", None);
    let boss_id = app.create_user(&admin, "boss2@example.com", "admin", None);
    let rep = app.token("rep@example.com", &password_of("rep@example.com"));
    let boss = app.token("boss2@example.com", &password_of("boss2@example.com"));
    for id in [rep_id, boss_id] {
        app.post(&format!("/api/v1/users/{id}/deactivate"))
            .bearer(&admin)
            .send()
            .expect(200);
    }
    app.get("/api/v1/customers")
        .bearer(&rep)
        .send()
        .problem(401, "account_inactive");
    app.post("/api/v1/customers")
        .bearer(&rep)
        .json(&json!({"name": "离职前最后一单"}))
        .problem(401, "account_inactive");
    app.post("/api/v1/leads")
        .bearer(&rep)
        .json(&json!({"person_name": "张三", "phone": "13800138000"}))
        .problem(401, "account_inactive");
    // a deactivated admin cannot bring their own account back
    app.patch(&format!("/api/v1/users/{boss_id}"))
        .bearer(&boss)
        .json(&json!({"active": true}))
        .problem(401, "account_inactive");
    let row = app
        .get(&format!("/api/v1/users/{boss_id}"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(row["active"], false);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM customers"), 0);
}

#[test]
fn a_new_password_ends_access_tokens_already_issued() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = app.create_user(&admin, "rep@example.com", "rep", None);
    let old = app.token("rep@example.com", &password_of("rep@example.com"));
    app.get("/api/v1/me").bearer(&old).send().expect(200);
    app.patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .json(&json!({"password": "a-brand-new-password"}))
        .expect(200);
    app.get("/api/v1/me").bearer(&old).send().problem(401, "session_ended");
    let fresh = app.token("rep@example.com", "a-brand-new-password");
    app.get("/api/v1/me").bearer(&fresh).send().expect(200);
}

#[test]
fn refused_tokens_name_no_library_internals() {
    let app = TestApp::spawn();
    for token in ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.AAAA"] {
        let p = app.get("/api/v1/me").bearer(token).send().problem(401, "invalid_token");
        let detail = p["detail"].as_str().unwrap();
        assert_eq!(detail, "the access token is not valid", "{token}");
    }
}

#[test]
fn tokens_from_the_future_are_refused() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let app = TestApp::spawn();
    app.admin_token();
    let key = EncodingKey::from_secret(crm_tests::JWT_SECRET.as_bytes());
    let now = chrono::Utc::now().timestamp();
    let sign = |iat: i64, nbf: i64| {
        let claims = json!({"sub": "1", "role": "admin", "tv": 0, "iat": iat, "nbf": nbf,
            "exp": now + 900, "iss": "crm", "aud": "crm-api"});
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
    };
    app.get("/api/v1/me").bearer(&sign(now, now)).send().expect(200);
    app.get("/api/v1/me")
        .bearer(&sign(now, now + 600))
        .send()
        .problem(401, "invalid_token");
    app.get("/api/v1/me")
        .bearer(&sign(now + 600, now))
        .send()
        .problem(401, "invalid_token");
}
