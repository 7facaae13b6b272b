//! Data scope: a rep never reads, changes, lists or deletes another team's
//! customer (404); a manager sees exactly their department subtree.

use crm_tests::{TestApp, password_of};
use serde_json::json;

#[test]
fn role_by_endpoint_matrix() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let top = app.create_department(&admin, "销售中心", None);
    let east = app.create_department(&admin, "华东", Some(top));
    let shanghai = app.create_department(&admin, "上海", Some(east));
    let north = app.create_department(&admin, "华北", Some(top));
    app.create_user(&admin, "east-mgr@example.com", "manager", Some(east));
    app.create_user(&admin, "sh-rep@example.com", "rep", Some(shanghai));
    app.create_user(&admin, "east-rep@example.com", "rep", Some(east));
    app.create_user(&admin, "north-rep@example.com", "rep", Some(north));
    let tok = |e: &str| app.token(e, &password_of(e));
    let (mgr, sh, er, nr) = (
        tok("east-mgr@example.com"),
        tok("sh-rep@example.com"),
        tok("east-rep@example.com"),
        tok("north-rep@example.com"),
    );
    let mk = |t: &str, name: &str| {
        app.post("/api/v1/customers")
            .bearer(t)
            .json(&json!({"name": name}))
            .expect(201)
            .json()["id"]
            .as_i64()
            .unwrap()
    };
    let sh_c = mk(&sh, "上海客户");
    let east_c = mk(&er, "华东客户");
    let north_c = mk(&nr, "华北客户");
    let admin_c = mk(&admin, "总部客户");

    // reps: only their own
    for (token, own, others) in [
        (&sh, sh_c, [east_c, north_c, admin_c]),
        (&nr, north_c, [sh_c, east_c, admin_c]),
    ] {
        let ids: Vec<i64> = app.get("/api/v1/customers").bearer(token).send().expect(200).json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [own]);
        app.get(&format!("/api/v1/customers/{own}"))
            .bearer(token)
            .send()
            .expect(200);
        for other in others {
            let path = format!("/api/v1/customers/{other}");
            app.get(&path).bearer(token).send().problem(404, "not_found");
            app.patch(&path)
                .bearer(token)
                .json(&json!({"grade": "A"}))
                .problem(404, "not_found");
            app.delete(&path).bearer(token).send().problem(404, "not_found");
            app.get(&format!("{path}/contacts"))
                .bearer(token)
                .send()
                .problem(404, "not_found");
            app.post(&format!("{path}/contacts"))
                .bearer(token)
                .json(&json!({"name": "x"}))
                .problem(404, "not_found");
        }
    }
    // the east manager: east and shanghai, not north, not the admin's
    let ids: Vec<i64> = app
        .get("/api/v1/customers?sort=id")
        .bearer(&mgr)
        .send()
        .expect(200)
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [sh_c, east_c]);
    app.patch(&format!("/api/v1/customers/{sh_c}"))
        .bearer(&mgr)
        .json(&json!({"grade": "A"}))
        .expect(200);
    app.get(&format!("/api/v1/customers/{north_c}"))
        .bearer(&mgr)
        .send()
        .problem(404, "not_found");
    // the manager may move customers inside the subtree, not out of it
    let sh_rep = app
        .get("/api/v1/users?q=sh-rep")
        .bearer(&admin)
        .send()
        .expect(200)
        .json()["data"][0]["id"]
        .as_i64()
        .unwrap();
    let north_rep = app
        .get("/api/v1/users?q=north-rep")
        .bearer(&admin)
        .send()
        .expect(200)
        .json()["data"][0]["id"]
        .as_i64()
        .unwrap();
    app.post("/api/v1/customers/transfer")
        .bearer(&mgr)
        .json(&json!({"customer_ids": [east_c], "to_user_id": sh_rep}))
        .expect(200);
    app.post("/api/v1/customers/transfer")
        .bearer(&mgr)
        .json(&json!({"customer_ids": [sh_c], "to_user_id": north_rep}))
        .problem(403, "forbidden");
    app.post("/api/v1/customers/transfer")
        .bearer(&mgr)
        .json(&json!({"customer_ids": [north_c], "to_user_id": sh_rep}))
        .problem(404, "not_found");
    app.post("/api/v1/customers/transfer")
        .bearer(&sh)
        .json(&json!({"customer_ids": [sh_c], "to_user_id": sh_rep}))
        .problem(403, "forbidden");
    // a rep may not create for someone else
    app.post("/api/v1/customers")
        .bearer(&sh)
        .json(&json!({"name": "代建", "owner_id": north_rep}))
        .problem(403, "forbidden");
    // the admin sees all four
    let all = app.get("/api/v1/customers").bearer(&admin).send().expect(200).json();
    assert_eq!(all["data"].as_array().unwrap().len(), 4);
    // and the shanghai rep now has the east customer too
    let mine = app.get("/api/v1/customers").bearer(&sh).send().expect(200).json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 2);
}
