//! The user directory: everyone signed in sees names, roles and departments;
//! e-mails and last sign-in only within their scope.

use crm_tests::TestApp;
use serde_json::Value;

fn by_id(page: &Value, id: i64) -> &Value {
    page["data"].as_array().unwrap().iter().find(|u| u["id"] == id).unwrap()
}

#[test]
fn reps_see_colleagues_names_but_not_their_contact_details() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let mgr = app.user(&admin, "east-mgr@example.com", "manager", Some(east));
    let rep = app.user(&admin, "east-rep@example.com", "rep", Some(east));
    let other = app.user(&admin, "north-rep@example.com", "rep", Some(north));
    // a colleague whose name is not their address
    let zhao = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(&serde_json::json!({"email": "zhao.secret@example.com", "name": "赵六",
            "password": "long-enough-pw", "role": "rep", "department_id": north}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();

    let seen_by_rep = app.get("/api/v1/users").bearer(&rep.token).send().expect(200).json();
    assert_eq!(seen_by_rep["data"].as_array().unwrap().len(), 5, "the whole directory");
    assert_eq!(by_id(&seen_by_rep, rep.id)["email"], rep.email);
    for hidden in [other.id, mgr.id, zhao, 1] {
        let u = by_id(&seen_by_rep, hidden);
        assert!(u["email"].is_null(), "{u}");
        assert!(u["last_login_at"].is_null(), "{u}");
        assert!(u["name"].is_string() && u["role"].is_string(), "{u}");
    }
    let one = app
        .get(&format!("/api/v1/users/{}", other.id))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert!(one["email"].is_null() && one["last_login_at"].is_null(), "{one}");
    // a search cannot spell out a hidden address
    let found = app
        .get("/api/v1/users?q=zhao.secret")
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(found["data"].as_array().unwrap().len(), 0, "{found}");
    let found = app
        .get("/api/v1/users?q=赵")
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(found["data"][0]["id"], zhao, "names are searchable: {found}");

    let seen_by_mgr = app.get("/api/v1/users").bearer(&mgr.token).send().expect(200).json();
    assert_eq!(by_id(&seen_by_mgr, rep.id)["email"], rep.email, "own subtree");
    assert!(by_id(&seen_by_mgr, rep.id)["last_login_at"].is_string());
    assert!(by_id(&seen_by_mgr, other.id)["email"].is_null(), "another subtree");

    let seen_by_admin = app
        .get("/api/v1/users?q=zhao.secret")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(seen_by_admin["data"][0]["email"], "zhao.secret@example.com");
    assert_eq!(
        by_id(&app.get("/api/v1/users").bearer(&admin).send().json(), other.id)["email"],
        other.email
    );
}

/// A rep sees a pool customer's phone and e-mail, and its contacts', masked;
/// their own customers and a manager's view are in full.
#[test]
fn reps_see_pool_customers_contact_details_masked() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let rep = app.user(&admin, "rep@example.com", "rep", Some(east));
    let mine = crm_tests::CustomerBuilder::new("我的客户")
        .with("phone", serde_json::json!("13800008000"))
        .create(&app, &rep.token);
    assert_eq!(mine["phone"], "13800008000");
    let pool = crm_tests::CustomerBuilder::new("公海客户")
        .with("phone", serde_json::json!("13900001234"))
        .with("email", serde_json::json!("boss@pool.example.com"))
        .create(&app, &admin);
    let pool_id = pool["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/customers/{pool_id}/contacts"))
        .bearer(&admin)
        .json(
            &serde_json::json!({"name": "王经理", "phone": "13711112222", "email": "wang@pool.example.com",
                                  "wechat": "wxid_wang2026"}),
        )
        .expect(201);
    app.sql(&format!("UPDATE customers SET owner_id = NULL WHERE id = {pool_id}"));

    let seen = app
        .get(&format!("/api/v1/customers/{pool_id}"))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(seen["phone"], "139****1234");
    assert_eq!(seen["email"], "b***@pool.example.com");
    let listed = app
        .get("/api/v1/customers?in_pool=true")
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["data"][0]["phone"], "139****1234");
    let contacts = app
        .get(&format!("/api/v1/customers/{pool_id}/contacts"))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(contacts[0]["phone"], "137****2222");
    assert_eq!(contacts[0]["email"], "w***@pool.example.com");
    assert_eq!(
        contacts[0]["wechat"], "w****6",
        "WeChat is masked with the other details"
    );
    let one = app
        .get(&format!("/api/v1/contacts/{}", contacts[0]["id"]))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(one["wechat"], "w****6");
    let export = app
        .get("/api/v1/contacts/export?in_pool=true")
        .bearer(&rep.token)
        .send()
        .expect(200);
    assert!(
        export.body.contains("w****6") && !export.body.contains("wxid_wang2026"),
        "{}",
        export.body
    );
    let mine_again = app
        .get(&format!("/api/v1/customers/{}", mine["id"]))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(mine_again["phone"], "13800008000");
    let by_mgr = app
        .get(&format!("/api/v1/customers/{pool_id}"))
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(by_mgr["phone"], "13900001234");
}
