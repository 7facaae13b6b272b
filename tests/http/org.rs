//! Departments, users and roles: the organisation an admin builds.

use crm_tests::{ADMIN_EMAIL, TestApp, password_of};
use serde_json::json;

#[test]
fn admin_builds_a_team_and_the_rep_signs_in() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东销售部", None);
    let manager = app.create_user(&admin, "manager@example.com", "manager", Some(east));
    let rep = app.create_user(&admin, "Rep@Example.com", "rep", Some(east));
    let token = app.token("rep@example.com", &password_of("Rep@Example.com"));
    let me = app.get("/api/v1/me").bearer(&token).send().expect(200).json();
    assert_eq!(me["id"], rep);
    assert_eq!(me["email"], "rep@example.com");
    assert_eq!(me["role"], "rep");
    assert_eq!(me["department_id"], east);
    let m = app
        .get(&format!("/api/v1/users/{manager}"))
        .bearer(&token)
        .send()
        .expect(200);
    assert_eq!(m.header("etag"), Some("\"1\""));
    assert_eq!(m.json()["role"], "manager");
}

#[test]
fn reps_and_managers_get_403_on_admin_endpoints() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let d = app.create_department(&admin, "Sales", None);
    app.create_user(&admin, "rep@example.com", "rep", Some(d));
    app.create_user(&admin, "mgr@example.com", "manager", Some(d));
    for email in ["rep@example.com", "mgr@example.com"] {
        let t = app.token(email, &password_of(email));
        let new_user = json!({"email": "x@example.com", "name": "X", "password": "long-enough-pw", "role": "admin"});
        app.post("/api/v1/users")
            .bearer(&t)
            .json(&new_user)
            .problem(403, "forbidden");
        app.patch("/api/v1/users/1")
            .bearer(&t)
            .json(&json!({"role": "rep"}))
            .problem(403, "forbidden");
        app.post("/api/v1/users/1/deactivate")
            .bearer(&t)
            .send()
            .problem(403, "forbidden");
        app.post("/api/v1/departments")
            .bearer(&t)
            .json(&json!({"name": "Mine"}))
            .problem(403, "forbidden");
        app.delete(&format!("/api/v1/departments/{d}"))
            .bearer(&t)
            .send()
            .problem(403, "forbidden");
        app.get("/api/v1/api-keys").bearer(&t).send().problem(403, "forbidden");
        app.post("/api/v1/api-keys")
            .bearer(&t)
            .json(&json!({"name": "k", "scopes": ["users:read"]}))
            .problem(403, "forbidden");
        // reading the directory is fine
        app.get("/api/v1/users").bearer(&t).send().expect(200);
    }
    let me = app.get("/api/v1/users/1").bearer(&admin).send().expect(200).json();
    assert_eq!(me["role"], "admin", "nothing changed");
}

#[test]
fn e_mails_are_unique_and_departments_must_exist() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.create_user(&admin, "li@example.com", "rep", None);
    let p = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "LI@example.com", "name": "Li", "password": "long-enough-pw", "role": "rep"}))
        .problem(409, "email_taken");
    assert_eq!(p["errors"][0]["field"], "email");
    let p = app
        .post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "wu@example.com", "name": "Wu", "password": "long-enough-pw", "role": "rep", "department_id": 77}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "department_id");
}

#[test]
fn the_department_tree_refuses_cycles_and_deleting_what_is_in_use() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let top = app.create_department(&admin, "销售中心", None);
    let east = app.create_department(&admin, "华东", Some(top));
    let shanghai = app.create_department(&admin, "上海", Some(east));
    let p = app
        .patch(&format!("/api/v1/departments/{top}"))
        .bearer(&admin)
        .json(&json!({"parent_id": shanghai}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "parent_id");
    app.post("/api/v1/departments")
        .bearer(&admin)
        .json(&json!({"name": "华东", "parent_id": top}))
        .problem(409, "department_name_taken");
    app.create_user(&admin, "sh@example.com", "rep", Some(shanghai));
    let p = app
        .delete(&format!("/api/v1/departments/{east}"))
        .bearer(&admin)
        .send()
        .problem(409, "department_in_use");
    assert_eq!(p["context"]["children"], 1);
    let p = app
        .delete(&format!("/api/v1/departments/{shanghai}"))
        .bearer(&admin)
        .send()
        .problem(409, "department_in_use");
    assert_eq!(p["context"]["users"], 1);
    // move shanghai to the top: allowed
    let moved = app
        .patch(&format!("/api/v1/departments/{shanghai}"))
        .bearer(&admin)
        .json(&json!({"parent_id": null}))
        .expect(200)
        .json();
    assert_eq!(moved["parent_id"], serde_json::Value::Null);
    assert_eq!(moved["version"], 2);
    app.delete(&format!("/api/v1/departments/{east}"))
        .bearer(&admin)
        .send()
        .expect(204);
    app.get(&format!("/api/v1/departments/{east}"))
        .bearer(&admin)
        .send()
        .problem(404, "not_found");
}

#[test]
fn a_stale_if_match_gets_412_and_changes_nothing() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = app.create_user(&admin, "li@example.com", "rep", None);
    let read = app
        .get(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .send()
        .expect(200);
    let etag = read.header("etag").unwrap().to_owned();
    let updated = app
        .patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .header("If-Match", &etag)
        .json(&json!({"name": "李雷", "max_customers": 200}))
        .expect(200);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    assert_eq!(updated.json()["max_customers"], 200);
    app.patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .header("If-Match", &etag)
        .json(&json!({"name": "Someone else"}))
        .problem(412, "stale_version");
    let now = app
        .get(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(now["name"], "李雷");
    // null clears a nullable field
    let cleared = app
        .patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin)
        .json(&json!({"max_customers": null}))
        .expect(200)
        .json();
    assert_eq!(cleared["max_customers"], serde_json::Value::Null);
}

#[test]
fn the_last_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.post("/api/v1/users/1/deactivate")
        .bearer(&admin)
        .send()
        .problem(409, "user_rule");
    app.patch("/api/v1/users/1")
        .bearer(&admin)
        .json(&json!({"role": "rep"}))
        .problem(409, "user_rule");
    let second = app.create_user(&admin, "boss2@example.com", "admin", None);
    app.patch("/api/v1/users/1")
        .bearer(&admin)
        .json(&json!({"role": "rep"}))
        .expect(200);
    // the demoted admin's old token still says admin for at most 15 minutes; the new admin works
    let t2 = app.token("boss2@example.com", &password_of("boss2@example.com"));
    app.post(&format!("/api/v1/users/{second}/deactivate"))
        .bearer(&t2)
        .send()
        .problem(409, "user_rule");
}

#[test]
fn users_page_through_with_cursors_filters_and_sync() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let d = app.create_department(&admin, "Sales", None);
    for i in 0..7 {
        app.create_user(&admin, &format!("rep{i}@example.com"), "rep", Some(d));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=3&sort=-name&cursor={c}"),
            None => "/api/v1/users?limit=3&sort=-name".into(),
        };
        let page = app.get(&path).bearer(&admin).send().expect(200).json();
        for u in page["data"].as_array().unwrap() {
            seen.push(u["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut expected = seen.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, expected, "descending by name, no gaps or repeats");
    assert_eq!(seen.len(), 8);

    let reps = app
        .get(&format!("/api/v1/users?role=rep&department_id={d}&q=REP3"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(reps["data"].as_array().unwrap().len(), 1);
    assert_eq!(reps["data"][0]["email"], "rep3@example.com");

    let since = app.get("/api/v1/users/8").bearer(&admin).send().expect(200).json()["updated_at"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch("/api/v1/users/1")
        .bearer(&admin)
        .json(&json!({"name": "Boss"}))
        .expect(200);
    let changed = app
        .get(&format!(
            "/api/v1/users?sort=updated_at&updated_since={}",
            since.replace('+', "%2B")
        ))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let emails: Vec<&str> = changed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["rep6@example.com", ADMIN_EMAIL],
        "changed at or after `since`, oldest first"
    );
}

#[test]
fn departments_list_and_page() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let top = app.create_department(&admin, "总部", None);
    for name in ["北区", "南区", "东区"] {
        app.create_department(&admin, name, Some(top));
    }
    let page = app
        .get(&format!("/api/v1/departments?parent_id={top}&limit=2"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/departments?parent_id={top}&limit=2&cursor={next}"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);
}
