//! Customers: one central store where no two reps can work the same company.

use api::routes::customers::CreatedCustomer;
use crm_tests::{TestApp, password_of};
use serde_json::{Value, json};

struct Team {
    admin: String,
    li: String,
    li_id: i64,
    wang: String,
}

/// An admin, and two reps of one department: 李雷 and 王芳.
fn team(app: &TestApp) -> Team {
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华东销售部", None);
    let li_id = app.post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "li@example.com", "name": "李雷", "password": password_of("li@example.com"), "role": "rep", "department_id": d}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    app.post("/api/v1/users")
        .bearer(&admin)
        .json(&json!({"email": "wang@example.com", "name": "王芳", "password": password_of("wang@example.com"), "role": "rep", "department_id": d}))
        .expect(201);
    Team {
        li: app.token("li@example.com", &password_of("li@example.com")),
        wang: app.token("wang@example.com", &password_of("wang@example.com")),
        admin,
        li_id,
    }
}

fn create(app: &TestApp, token: &str, body: Value) -> crm_tests::Res {
    app.post("/api/v1/customers").bearer(token).json(&body)
}

#[test]
fn the_same_company_under_another_spelling_is_409_naming_the_owner() {
    let app = TestApp::spawn();
    let t = team(&app);
    let first: CreatedCustomer = create(&app, &t.li, json!({"name": "华为技术有限公司"}))
        .expect(201)
        .dto();
    let owner = first.customer.owner.as_ref().expect("an owner");
    assert_eq!((owner.id, owner.name.as_str()), (t.li_id, "李雷"));
    assert!(!first.customer.in_pool && first.customer.version == 1, "{first:?}");
    let p = create(
        &app,
        &t.wang,
        json!({"name": "华为技术（有限公司）", "phone": "13800138000"}),
    )
    .problem(409, "customer_exists");
    assert_eq!(p["context"]["existing"]["id"], first.customer.id);
    assert_eq!(p["context"]["existing"]["name"], "华为技术有限公司");
    assert_eq!(p["context"]["existing"]["owner"]["name"], "李雷");
    assert!(p["detail"].as_str().unwrap().contains("李雷"), "{p}");
    assert!(p["context"]["existing"].get("phone").is_none(), "no other details leak");

    create(&app, &t.li, json!({"name": " HUAWEI  Technologies Co., Ltd."})).expect(201);
    let p = create(&app, &t.wang, json!({"name": "huawei technologies"})).problem(409, "customer_exists");
    assert_eq!(p["context"]["existing"]["owner"]["name"], "李雷");
    // nothing was written for the refused creates
    let page = app.get("/api/v1/customers").bearer(&t.admin).send().expect(200).json();
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
}

#[test]
fn credit_codes_are_checked_and_unique() {
    let app = TestApp::spawn();
    let t = team(&app);
    let p = create(
        &app,
        &t.li,
        json!({"name": "腾讯科技", "credit_code": "911100001000000001"}),
    )
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "credit_code");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("check"), "{p}");
    let c = create(
        &app,
        &t.li,
        json!({"name": "腾讯科技", "credit_code": "91440300708461136t"}),
    )
    .expect(201)
    .json();
    assert_eq!(c["credit_code"], "91440300708461136T");
    let p = create(
        &app,
        &t.wang,
        json!({"name": "深圳腾讯", "credit_code": "91440300708461136T"}),
    )
    .problem(409, "customer_exists");
    assert!(p["detail"].as_str().unwrap().contains("credit code"), "{p}");
}

#[test]
fn fifty_concurrent_creates_of_one_company_give_one_201() {
    let app = TestApp::spawn();
    let t = team(&app);
    let names = [
        "华为技术有限公司",
        "华为技术（有限公司）",
        "华为技术 有限公司",
        "【华为技术】",
        "华为技术股份有限公司",
    ];
    let statuses: Vec<crm_tests::Res> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (app, token, name) = (&app, if i % 2 == 0 { &t.li } else { &t.wang }, names[i % names.len()]);
                s.spawn(move || create(app, token, json!({"name": name})))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winner = statuses
        .iter()
        .find(|r| r.status == 201)
        .map(|r| r.json()["id"].clone());
    // every loser, also one refused by the unique index mid-race, names the winner
    for r in statuses.iter().filter(|r| r.status == 409) {
        let p = r.problem(409, "customer_exists");
        assert_eq!(Some(p["context"]["existing"]["id"].clone()), winner, "{p}");
    }
    let statuses: Vec<u16> = statuses.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");
    let page = app.get("/api/v1/customers").bearer(&t.admin).send().expect(200).json();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[test]
fn renaming_into_an_existing_company_is_409_and_edits_are_versioned_and_audited() {
    let app = TestApp::spawn();
    let t = team(&app);
    create(&app, &t.li, json!({"name": "阿里巴巴集团"})).expect(201);
    let c = create(
        &app,
        &t.li,
        json!({"name": "字节跳动", "grade": "C", "tags": ["互联网", "重点"]}),
    )
    .expect(201);
    let id = c.json()["id"].as_i64().unwrap();
    let etag = c.header("etag").unwrap().to_owned();
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .json(&json!({"name": "阿里巴巴"}))
        .problem(409, "customer_exists");
    let updated = app
        .patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .header("If-Match", &etag)
        .json(&json!({"grade": "A", "tags": ["互联网"], "region": "beijing"}))
        .expect(200)
        .json();
    assert_eq!(
        (updated["grade"].as_str(), updated["region"].as_str()),
        (Some("A"), Some("beijing"))
    );
    assert_eq!(updated["tags"], json!(["互联网"]));
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .header("If-Match", &etag)
        .json(&json!({"grade": "B"}))
        .problem(412, "stale_version");
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .json(&json!({"owner_id": 1}))
        .problem(422, "validation_failed");
}

#[test]
fn duplicate_check_finds_exact_and_similar_matches_across_scopes() {
    let app = TestApp::spawn();
    let t = team(&app);
    let hw = create(
        &app,
        &t.li,
        json!({"name": "华为技术有限公司", "phone": "+86 138-0013-8000"}),
    )
    .expect(201)
    .json();
    let sz = create(&app, &t.li, json!({"name": "深圳市华为技术有限公司"}))
        .expect(201)
        .json();
    create(&app, &t.li, json!({"name": "腾讯科技"})).expect(201);
    let contact_of = create(&app, &t.li, json!({"name": "小米科技"})).expect(201).json();
    app.post(&format!("/api/v1/customers/{}/contacts", contact_of["id"]))
        .bearer(&t.li)
        .json(&json!({"name": "雷总", "email": "Lei@Xiaomi.com", "kp_role": "decision_maker"}))
        .expect(201);

    // 王芳 cannot see 李雷's customers, but the check still warns her
    let r = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&t.wang)
        .json(&json!({"name": "华为技术（有限公司）"}))
        .expect(200)
        .json();
    assert_eq!(r["exact"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["exact"][0]["customer_id"], hw["id"]);
    assert_eq!(r["exact"][0]["owner_name"], "李雷");
    assert_eq!(r["exact"][0]["matched_on"], json!(["name"]));
    assert_eq!(r["similar"][0]["customer_id"], sz["id"], "{r}");
    assert!(r["similar"][0]["score"].as_f64().unwrap() >= 0.88);
    assert!(r["similar"].as_array().unwrap().iter().all(|m| m["name"] != "腾讯科技"));

    let r = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&t.wang)
        .json(&json!({"phone": "0086 13800138000", "email": "lei@xiaomi.com"}))
        .expect(200)
        .json();
    let matched: Vec<(i64, String)> = r["exact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["customer_id"].as_i64().unwrap(),
                m["matched_on"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(matched.contains(&(hw["id"].as_i64().unwrap(), "phone".into())), "{r}");
    assert!(
        matched.contains(&(contact_of["id"].as_i64().unwrap(), "email".into())),
        "{r}"
    );

    app.post("/api/v1/customers/duplicate-check")
        .bearer(&t.wang)
        .json(&json!({}))
        .problem(422, "validation_failed");
}

#[test]
fn contacts_carry_key_person_roles_and_one_primary() {
    let app = TestApp::spawn();
    let t = team(&app);
    let c = create(&app, &t.li, json!({"name": "美团"})).expect(201).json();
    let path = format!("/api/v1/customers/{}/contacts", c["id"]);
    let boss = app
        .post(&path)
        .bearer(&t.li)
        .json(&json!({"name": "王总", "kp_role": "decision_maker", "is_primary": true}))
        .expect(201)
        .json();
    let sec = app
        .post(&path)
        .bearer(&t.li)
        .json(&json!({"name": "小李", "kp_role": "influencer", "is_primary": true, "phone": "021-5555-6666"}))
        .expect(201)
        .json();
    let list = app.get(&path).bearer(&t.li).send().expect(200).json();
    assert_eq!(list[0]["id"], sec["id"], "the newest primary comes first");
    assert_eq!(list[1]["is_primary"], false);
    assert_eq!(list[1]["kp_role"], "decision_maker");
    app.post(&path)
        .bearer(&t.li)
        .json(&json!({"name": "x", "kp_role": "boss"}))
        .problem(422, "validation_failed");
    app.post(&path)
        .bearer(&t.li)
        .json(&json!({"name": "x", "email": "nope"}))
        .problem(422, "validation_failed");
    // another rep sees neither the customer nor its contacts
    app.get(&path).bearer(&t.wang).send().problem(404, "not_found");
    app.get(&format!("/api/v1/contacts/{}", boss["id"]))
        .bearer(&t.wang)
        .send()
        .problem(404, "not_found");
    app.patch(&format!("/api/v1/contacts/{}", boss["id"]))
        .bearer(&t.wang)
        .json(&json!({"title": "CEO"}))
        .problem(404, "not_found");
    let changed = app
        .patch(&format!("/api/v1/contacts/{}", boss["id"]))
        .bearer(&t.li)
        .json(&json!({"title": "CEO"}))
        .expect(200)
        .json();
    assert_eq!(changed["title"], "CEO");
    app.delete(&format!("/api/v1/contacts/{}", sec["id"]))
        .bearer(&t.li)
        .send()
        .expect(204);
    assert_eq!(
        app.get(&path)
            .bearer(&t.li)
            .send()
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_leaving_rep_is_transferred_in_one_call_then_deactivated() {
    let app = TestApp::spawn();
    let t = team(&app);
    for name in ["百度", "京东", "网易"] {
        create(&app, &t.li, json!({"name": name})).expect(201);
    }
    let p = app
        .post(&format!("/api/v1/users/{}/deactivate", t.li_id))
        .bearer(&t.admin)
        .send()
        .problem(409, "user_owns_customers");
    assert_eq!(p["context"]["customers"], 3);
    let wang_id = app.get("/api/v1/me").bearer(&t.wang).send().expect(200).json()["id"]
        .as_i64()
        .unwrap();
    app.post(&format!("/api/v1/users/{}/transfer-customers", t.li_id))
        .bearer(&t.li)
        .json(&json!({"to_user_id": wang_id}))
        .problem(403, "forbidden");
    let moved = app
        .post(&format!("/api/v1/users/{}/transfer-customers", t.li_id))
        .bearer(&t.admin)
        .json(&json!({"to_user_id": wang_id, "keep_previous_owner": true}))
        .expect(200)
        .json();
    assert_eq!(moved["transferred"], 3);
    let page = app.get("/api/v1/customers").bearer(&t.admin).send().expect(200).json();
    for c in page["data"].as_array().unwrap() {
        assert_eq!(c["owner"]["id"], wang_id, "no customer is left without an owner: {c}");
        assert_eq!(c["previous_owner_id"], t.li_id);
    }
    // 李雷 keeps read-only access as a team member
    let id = page["data"][0]["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .send()
        .expect(200);
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.li)
        .json(&json!({"grade": "A"}))
        .problem(403, "forbidden");
    app.post(&format!("/api/v1/users/{}/deactivate", t.li_id))
        .bearer(&t.admin)
        .send()
        .expect(200);
}

#[test]
fn soft_delete_restore_and_the_deleted_ids_feed() {
    let app = TestApp::spawn();
    let t = team(&app);
    let c = create(&app, &t.li, json!({"name": "拼多多"})).expect(201).json();
    let since = c["created_at"].as_str().unwrap().replace('+', "%2B");
    let path = format!("/api/v1/customers/{}", c["id"]);
    app.delete(&path).bearer(&t.li).send().expect(204);
    app.get(&path).bearer(&t.li).send().problem(404, "not_found");
    let feed = app
        .get(&format!("/api/v1/customers/deleted?since={since}"))
        .bearer(&t.li)
        .send()
        .expect(200)
        .json();
    assert_eq!(feed["data"][0]["id"], c["id"]);
    // the name is free again while deleted; restoring then collides
    let again = create(&app, &t.wang, json!({"name": "拼多多"})).expect(201).json();
    app.post(&format!("{path}/restore"))
        .bearer(&t.li)
        .send()
        .problem(409, "customer_exists");
    app.delete(&format!("/api/v1/customers/{}", again["id"]))
        .bearer(&t.wang)
        .send()
        .expect(204);
    let restored = app
        .post(&format!("{path}/restore"))
        .bearer(&t.li)
        .send()
        .expect(200)
        .json();
    assert_eq!(restored["deleted_at"], Value::Null);
}

#[test]
fn lists_filter_and_page() {
    let app = TestApp::spawn();
    let t = team(&app);
    for (name, grade, tag) in [
        ("甲公司", "A", "vip"),
        ("乙公司", "B", "vip"),
        ("丙公司", "A", "new"),
        ("丁公司", "C", "new"),
    ] {
        create(&app, &t.li, json!({"name": name, "grade": grade, "tags": [tag], "industry": "manufacturing", "email": format!("{grade}@{tag}.cn")})).expect(201);
    }
    let get = |q: &str| {
        app.get(&format!("/api/v1/customers?{q}"))
            .bearer(&t.li)
            .send()
            .expect(200)
            .json()
    };
    assert_eq!(get("grade=A")["data"].as_array().unwrap().len(), 2);
    assert_eq!(get("tag=vip&grade=A")["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        get("industry=manufacturing&in_pool=false")["data"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(get("in_pool=true")["data"].as_array().unwrap().len(), 0);
    assert_eq!(get("q=丙")["data"][0]["name"], "丙公司");
    assert_eq!(get("q=c@new")["data"][0]["name"], "丁公司");
    let first = get("limit=3&sort=-id");
    assert_eq!(first["data"].as_array().unwrap().len(), 3);
    let rest = get(&format!(
        "limit=3&sort=-id&cursor={}",
        first["next_cursor"].as_str().unwrap()
    ));
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    app.get("/api/v1/customers?grade=D")
        .bearer(&t.li)
        .send()
        .problem(400, "invalid_query");
}

#[test]
fn an_admin_merges_a_duplicate_and_everything_moves_to_the_survivor() {
    let app = TestApp::spawn();
    let t = team(&app);
    let a = create(&app, &t.li, json!({"name": "华为技术", "tags": ["vip"]}))
        .expect(201)
        .json();
    let b = create(&app, &t.wang, json!({"name": "深圳市华为技术", "credit_code": "91440300708461136T", "phone": "0755-2878-0808", "tags": ["通信"]}))
        .expect(201)
        .json();
    app.post(&format!("/api/v1/customers/{}/contacts", b["id"]))
        .bearer(&t.wang)
        .json(&json!({"name": "任总", "kp_role": "decision_maker"}))
        .expect(201);
    let merge = |token: &str| {
        app.post(&format!("/api/v1/customers/{}/merge", a["id"]))
            .bearer(token)
            .json(&json!({"from_customer_id": b["id"]}))
    };
    merge(&t.li).problem(403, "forbidden");
    let merged = merge(&t.admin).expect(200).json();
    assert_eq!(merged["credit_code"], "91440300708461136T");
    assert_eq!(merged["phone"], "0755-2878-0808");
    assert_eq!(merged["tags"], json!(["vip", "通信"]));
    let contacts = app
        .get(&format!("/api/v1/customers/{}/contacts", a["id"]))
        .bearer(&t.li)
        .send()
        .expect(200)
        .json();
    assert_eq!(contacts[0]["name"], "任总");
    app.get(&format!("/api/v1/customers/{}", b["id"]))
        .bearer(&t.admin)
        .send()
        .problem(404, "not_found");
    merge(&t.admin).problem(422, "validation_failed");
    // the merged name is free; the credit code now belongs to the survivor
    create(&app, &t.wang, json!({"name": "x", "credit_code": "91440300708461136T"})).problem(409, "customer_exists");
}

#[test]
fn owners_share_customers_with_teammates_and_every_change_is_audited() {
    let app = TestApp::spawn();
    let t = team(&app);
    let c = create(&app, &t.li, json!({"name": "携程旅行"})).expect(201).json();
    let id = c["id"].as_i64().unwrap();
    let wang_id = app.get("/api/v1/me").bearer(&t.wang).send().expect(200).json()["id"]
        .as_i64()
        .unwrap();
    let member = format!("/api/v1/customers/{id}/members/{wang_id}");
    app.get(&format!("/api/v1/customers/{id}"))
        .bearer(&t.wang)
        .send()
        .problem(404, "not_found");

    app.req("PUT", &member)
        .bearer(&t.li)
        .json(&json!({"access": "read_only"}))
        .expect(200);
    app.get(&format!("/api/v1/customers/{id}"))
        .bearer(&t.wang)
        .send()
        .expect(200);
    assert_eq!(
        app.get("/api/v1/customers").bearer(&t.wang).send().expect(200).json()["data"][0]["id"],
        id
    );
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.wang)
        .json(&json!({"grade": "A"}))
        .problem(403, "forbidden");
    // a read-only member cannot pass the customer on
    app.req("PUT", &format!("/api/v1/customers/{id}/members/1"))
        .bearer(&t.wang)
        .json(&json!({"access": "read_write"}))
        .problem(403, "forbidden");

    app.req("PUT", &member)
        .bearer(&t.li)
        .json(&json!({"access": "read_write"}))
        .expect(200);
    app.patch(&format!("/api/v1/customers/{id}"))
        .bearer(&t.wang)
        .json(&json!({"grade": "A"}))
        .expect(200);
    let members = app
        .get(&format!("/api/v1/customers/{id}/members"))
        .bearer(&t.li)
        .send()
        .expect(200)
        .json();
    assert_eq!(members[0]["user"]["name"], "王芳");
    assert_eq!(members[0]["access"], "read_write");

    // not with someone outside the team, and access can lapse
    let other_dept = app.create_department(&t.admin, "华南", None);
    let outsider = app.create_user(&t.admin, "zhao@example.com", "rep", Some(other_dept));
    app.req("PUT", &format!("/api/v1/customers/{id}/members/{outsider}"))
        .bearer(&t.li)
        .json(&json!({"access": "read_only"}))
        .problem(403, "forbidden");
    app.req("PUT", &member)
        .bearer(&t.li)
        .json(&json!({"access": "read_write", "expires_at": "2020-01-01T00:00:00Z"}))
        .expect(200);
    app.get(&format!("/api/v1/customers/{id}"))
        .bearer(&t.wang)
        .send()
        .problem(404, "not_found");

    app.delete(&member).bearer(&t.li).send().expect(204);
    app.delete(&member).bearer(&t.li).send().problem(404, "not_found");

    let audit = app
        .get(&format!("/api/v1/customers/{id}/audit"))
        .bearer(&t.li)
        .send()
        .expect(200)
        .json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "shared", "shared", "updated", "shared", "unshared"]
    );
    assert_eq!(audit[3]["detail"]["grade"], json!(["B", "A"]));
    assert_eq!(audit[3]["actor_id"], wang_id);
}

#[test]
fn a_create_warns_about_look_alike_customers() {
    let app = TestApp::spawn();
    let t = team(&app);
    let hw = create(&app, &t.li, json!({"name": "华为技术有限公司"}))
        .expect(201)
        .json();
    assert_eq!(hw["similar"], json!([]));
    let sz = create(&app, &t.wang, json!({"name": "深圳市华为技术有限公司"}))
        .expect(201)
        .json();
    assert_eq!(sz["owner"]["name"], "王芳", "a similar name is a warning, not a block");
    assert_eq!(sz["similar"][0]["customer_id"], hw["id"]);
    assert_eq!(sz["similar"][0]["owner_name"], "李雷");
}
