//! Leads: web forms, bulk import, assignment rules, first contact, conversion.

use crm_tests::{TestApp, password_of};
use serde_json::{Value, json};

/// An admin, a department 华东 with three reps, and a rule sending every lead to it.
fn setup(app: &TestApp) -> (String, i64, Vec<i64>) {
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华东", None);
    let reps: Vec<i64> = (1..=3)
        .map(|i| app.create_user(&admin, &format!("rep{i}@example.com"), "rep", Some(d)))
        .collect();
    app.post("/api/v1/lead-rules")
        .bearer(&admin)
        .json(&json!({"name": "all to 华东", "target_department_id": d}))
        .expect(201);
    (admin, d, reps)
}

fn form(app: &TestApp, admin: &str) -> Value {
    app.post("/api/v1/lead-forms")
        .bearer(admin)
        .json(&json!({
            "name": "官网联系我们",
            "field_mapping": {"your-name": "person_name", "tel": "phone", "org": "company"},
            "default_source": "website",
            "redirect_url": "https://example.com/thanks",
            "honeypot_field": "website_url"
        }))
        .expect(201)
        .json()
}

#[test]
fn an_html_form_post_creates_a_lead_and_redirects_and_a_repeat_is_linked() {
    let app = TestApp::spawn();
    let (admin, _, reps) = setup(&app);
    let f = form(&app, &admin);
    let path = format!("/api/v1/forms/{}/submissions", f["public_key"].as_str().unwrap());
    let body =
        "your-name=%E7%8E%8B%E5%85%88%E7%94%9F&tel=138-0013-8000&org=%E4%B8%8A%E6%B5%B7%E7%A7%91%E6%8A%80&website_url=";
    let res = app.post(&path).body("application/x-www-form-urlencoded", body);
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.header("location"), Some("https://example.com/thanks"));
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));

    let leads = app.get("/api/v1/leads").bearer(&admin).send().expect(200).json();
    let lead = &leads["data"][0];
    assert_eq!(lead["person_name"], "王先生");
    assert_eq!(lead["company"], "上海科技");
    assert_eq!(lead["source"], "website");
    assert_eq!(lead["raw_payload"]["tel"], "138-0013-8000");
    assert!(reps.contains(&lead["owner_id"].as_i64().unwrap()));
    assert!(lead["first_contact_due_at"].is_string());

    // the same person again, as JSON from a browser: kept, linked, same rep
    let again = app
        .post(&path)
        .json(&json!({"your-name": "王先生", "tel": "+86 13800138000"}));
    assert_eq!(again.status, 201, "{}", again.body);
    let leads = app
        .get("/api/v1/leads?sort=-id")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let dup = &leads["data"][0];
    assert_eq!(dup["duplicate_of"], json!({"kind": "lead", "id": lead["id"]}));
    assert_eq!(
        dup["owner_id"], lead["owner_id"],
        "a duplicate goes to whoever works the original"
    );

    // a bot fills the honeypot: answered like anyone, kept as spam, no lead
    let bot = app.post(&path).body(
        "application/x-www-form-urlencoded",
        "your-name=bot&tel=123456789&website_url=http://spam",
    );
    assert_eq!(bot.status, 303);
    assert_eq!(
        app.get("/api/v1/leads").bearer(&admin).send().expect(200).json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // nothing to reach the person by: 422, still kept as a submission
    app.post(&path)
        .json(&json!({"your-name": "无名"}))
        .problem(422, "validation_failed");
    app.post("/api/v1/forms/nope/submissions")
        .json(&json!({"tel": "13800138000"}))
        .problem(404, "not_found");
    let pre = app
        .req("OPTIONS", &path)
        .header("Origin", "https://example.com")
        .header("Access-Control-Request-Method", "POST")
        .send();
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-methods"), Some("POST, OPTIONS"));
}

#[test]
fn round_robin_over_three_reps_assigns_three_each_for_nine_leads() {
    let app = TestApp::spawn();
    let (admin, _, reps) = setup(&app);
    for i in 0..9 {
        app.post("/api/v1/leads")
            .bearer(&admin)
            .json(&json!({"person_name": format!("客户{i}"), "phone": format!("1390000000{i}")}))
            .expect(201);
    }
    let leads = app.get("/api/v1/leads").bearer(&admin).send().expect(200).json();
    for rep in &reps {
        let n = leads["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["owner_id"] == *rep)
            .count();
        assert_eq!(n, 3, "rep {rep}: {leads}");
    }
    // reps see only their own
    let mine = app
        .get("/api/v1/leads")
        .bearer(&app.token("rep1@example.com", &password_of("rep1@example.com")))
        .send()
        .expect(200)
        .json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 3);
}

#[test]
fn an_import_answers_row_by_row_and_a_retry_creates_nothing() {
    let app = TestApp::spawn();
    let (admin, _, _) = setup(&app);
    let key = app
        .post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "import", "scopes": ["leads:write", "leads:read"]}))
        .expect(201)
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "老客户", "phone": "139-1111-2222"}))
        .expect(201)
        .json();
    let mut rows = Vec::new();
    for i in 0..1000 {
        let row = if i % 100 == 7 {
            json!({"person_name": format!("无效{i}")}) // no phone, no e-mail: invalid
        } else if i % 50 == 3 {
            json!({"company": format!("重复{i}"), "phone": "13911112222"}) // 20 rows: the phone of a customer
        } else {
            json!({"person_name": format!("联系人{i}"), "company": format!("公司{i}"), "email": format!("p{i}@example.com"), "source": "import"})
        };
        rows.push(row);
    }
    let body = Value::Array(rows);
    let first = app
        .post("/api/v1/leads/import")
        .header("X-Api-Key", &key)
        .header("Idempotency-Key", "batch-1")
        .json(&body)
        .expect(200)
        .json();
    assert_eq!(
        first["summary"],
        json!({"total": 1000, "created": 970, "duplicates": 20, "invalid": 10})
    );
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows[7]["status"], "invalid");
    assert_eq!(rows[7]["errors"][0]["field"], "phone");
    for i in (3..1000).step_by(50) {
        assert_eq!(rows[i]["status"], "duplicate", "row {}", i + 1);
        assert_eq!(
            rows[i]["duplicate_of"],
            json!({"kind": "customer", "id": customer["id"]})
        );
        assert!(rows[i]["lead_id"].is_i64(), "a duplicate is kept, linked");
    }

    let again = app
        .post("/api/v1/leads/import")
        .header("X-Api-Key", &key)
        .header("Idempotency-Key", "batch-1")
        .json(&body)
        .expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first);
    let mut count = 0;
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/leads?limit=200{cursor}"))
            .header("X-Api-Key", &key)
            .send()
            .expect(200)
            .json();
        count += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(count, 990, "created and duplicate rows are stored once");
}

#[test]
fn csv_and_ndjson_imports_with_a_column_mapping() {
    let app = TestApp::spawn();
    let (admin, _, _) = setup(&app);
    let csv = "\u{feff}姓名,公司,手机,邮箱\n张三,甲公司,13800001111,\n李四,乙公司,,li@example.com\n,,,\n";
    let mapping = "%7B%22%E5%A7%93%E5%90%8D%22%3A%22person_name%22%2C%22%E5%85%AC%E5%8F%B8%22%3A%22company%22%2C%22%E6%89%8B%E6%9C%BA%22%3A%22phone%22%2C%22%E9%82%AE%E7%AE%B1%22%3A%22email%22%7D";
    let r = app
        .post(&format!("/api/v1/leads/import?mapping={mapping}"))
        .bearer(&admin)
        .body("text/csv", csv)
        .expect(200)
        .json();
    assert_eq!(
        r["summary"],
        json!({"total": 3, "created": 2, "duplicates": 0, "invalid": 1})
    );
    let nd = "{\"person_name\":\"王五\",\"phone\":\"13800002222\"}\n{\"person_name\":\"赵六\",\"phone\":\"13800001111\",\"colour\":\"red\"}\nnot json\n";
    let r = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .body("application/x-ndjson", nd)
        .expect(200)
        .json();
    assert_eq!(
        r["summary"],
        json!({"total": 3, "created": 1, "duplicates": 0, "invalid": 2})
    );
    assert_eq!(r["rows"][1]["errors"][0]["field"], "colour");
    app.post("/api/v1/leads/import")
        .bearer(&admin)
        .body("text/plain", "x")
        .problem(415, "unsupported_media_type");
    let rep = app.token("rep1@example.com", &password_of("rep1@example.com"));
    app.post("/api/v1/leads/import")
        .bearer(&rep)
        .json(&json!([]))
        .problem(403, "forbidden");
}

#[test]
fn an_overdue_lead_is_listed_until_first_contact() {
    let app = TestApp::spawn_with(|c| c.limits.first_contact_sla = chrono::Duration::zero());
    let (admin, _, _) = setup(&app);
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "急", "phone": "13700001111"}))
        .expect(201)
        .json();
    let overdue = app
        .get("/api/v1/leads?overdue=true")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(overdue["data"][0]["id"], lead["id"]);
    assert_eq!(overdue["data"][0]["overdue"], true);
    let owner = lead["owner_id"].as_i64().unwrap();
    let email = app
        .get(&format!("/api/v1/users/{owner}"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json()["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let rep = app.token(&email, &password_of(&email));
    // a note is not contact; a call is
    app.post(&format!("/api/v1/leads/{}/activities", lead["id"]))
        .bearer(&rep)
        .json(&json!({"kind": "note", "content": "待联系"}))
        .expect(201);
    assert_eq!(
        app.get("/api/v1/leads?overdue=true")
            .bearer(&admin)
            .send()
            .expect(200)
            .json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.post(&format!("/api/v1/leads/{}/activities", lead["id"]))
        .bearer(&rep)
        .json(&json!({"kind": "call", "outcome": "有意向"}))
        .expect(201);
    let after = app
        .get(&format!("/api/v1/leads/{}", lead["id"]))
        .bearer(&rep)
        .send()
        .expect(200)
        .json();
    assert_eq!(after["status"], "contacted");
    assert!(after["first_contacted_at"].is_string());
    assert_eq!(
        app.get("/api/v1/leads?overdue=true")
            .bearer(&admin)
            .send()
            .expect(200)
            .json()["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn leads_are_assigned_by_hand_disqualified_with_a_reason_and_converted() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华南", None);
    let li = app.create_user(&admin, "li@example.com", "rep", Some(d));
    let wang = app.create_user(&admin, "wang@example.com", "rep", Some(d));
    let li_t = app.token("li@example.com", &password_of("li@example.com"));
    let wang_t = app.token("wang@example.com", &password_of("wang@example.com"));
    // no rules: the queue
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "陈总", "company": "深圳某某电子有限公司", "phone": "13600001111"}))
        .expect(201)
        .json();
    assert_eq!(lead["owner_id"], Value::Null);
    assert_eq!(
        app.get("/api/v1/leads?unassigned=true")
            .bearer(&admin)
            .send()
            .expect(200)
            .json()["data"][0]["id"],
        lead["id"]
    );
    app.get(&format!("/api/v1/leads/{}", lead["id"]))
        .bearer(&li_t)
        .send()
        .problem(404, "not_found");
    app.post(&format!("/api/v1/leads/{}/assign", lead["id"]))
        .bearer(&li_t)
        .json(&json!({"user_id": li}))
        .problem(403, "forbidden");
    let assigned = app
        .post(&format!("/api/v1/leads/{}/assign", lead["id"]))
        .bearer(&admin)
        .json(&json!({"user_id": li}))
        .expect(200)
        .json();
    assert_eq!(assigned["owner_id"], li);

    // 王 already owns the company as a customer: converting is 409 naming him
    app.post("/api/v1/customers")
        .bearer(&wang_t)
        .json(&json!({"name": "深圳某某电子"}))
        .expect(201);
    let p = app
        .post(&format!("/api/v1/leads/{}/convert", lead["id"]))
        .bearer(&li_t)
        .json(&json!({}))
        .problem(409, "customer_exists");
    assert_eq!(p["context"]["existing"]["owner"]["id"], wang);

    // released to the pool, the customer is claimed by the conversion
    app.sql("UPDATE customers SET owner_id = NULL");
    let c = app
        .post(&format!("/api/v1/leads/{}/convert", lead["id"]))
        .bearer(&li_t)
        .json(&json!({}))
        .expect(200)
        .json();
    assert_eq!(c["customer_outcome"], "claimed_from_pool");
    assert_eq!(c["customer"]["owner"]["id"], li);
    assert_eq!(c["lead"]["status"], "converted");
    assert_eq!(c["lead"]["converted_customer_id"], c["customer"]["id"]);
    let contacts = app
        .get(&format!("/api/v1/customers/{}/contacts", c["customer"]["id"]))
        .bearer(&li_t)
        .send()
        .expect(200)
        .json();
    assert_eq!(contacts[0]["name"], "陈总");
    app.post(&format!("/api/v1/leads/{}/convert", lead["id"]))
        .bearer(&li_t)
        .json(&json!({}))
        .problem(409, "lead_closed");

    // a new lead converts into a new customer; another is disqualified with a reason
    let receiver = crm_tests::receiver::Receiver::start(vec![200], "{}");
    app.post("/api/v1/webhooks")
        .bearer(&admin)
        .json(&json!({"name": "ERP", "url": receiver.url, "events": ["customer.created"]}))
        .expect(201);
    let l2 = app
        .post("/api/v1/leads")
        .bearer(&li_t)
        .json(&json!({"company": "杭州新客户", "email": "a@hz.cn"}))
        .expect(201)
        .json();
    let c2 = app
        .post(&format!("/api/v1/leads/{}/convert", l2["id"]))
        .bearer(&li_t)
        .json(&json!({"grade": "A"}))
        .expect(200)
        .json();
    assert_eq!(c2["customer_outcome"], "created");
    assert_eq!(c2["customer"]["grade"], "A");
    // a customer made from a lead is announced like any other, and its
    // creation names the lead
    let made = c2["customer"]["id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM events WHERE kind = 'customer.created' AND entity_id = {made}"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'customer' AND entity_id = {made} \
             AND action = 'created' AND detail LIKE '%\"lead_id\":{}%'",
            l2["id"]
        )),
        1
    );
    let l3 = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "spam", "phone": "13500001111"}))
        .expect(201)
        .json();
    app.patch(&format!("/api/v1/leads/{}", l3["id"]))
        .bearer(&admin)
        .json(&json!({"status": "disqualified"}))
        .problem(422, "validation_failed");
    let dq = app
        .patch(&format!("/api/v1/leads/{}", l3["id"]))
        .bearer(&admin)
        .json(&json!({"status": "disqualified", "disqualify_reason": "空号"}))
        .expect(200)
        .json();
    assert_eq!(dq["disqualify_reason"], "空号");
}

#[test]
fn overdue_leads_are_reassigned_to_another_rep() {
    let app = TestApp::spawn_with(|c| c.limits.first_contact_sla = chrono::Duration::zero());
    let (admin, _, reps) = setup(&app);
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "甲", "phone": "13700002222"}))
        .expect(201)
        .json();
    let first_owner = lead["owner_id"].as_i64().unwrap();
    let rep1 = app.token("rep1@example.com", &password_of("rep1@example.com"));
    app.post("/api/v1/leads/reassign-overdue")
        .bearer(&rep1)
        .send()
        .problem(403, "forbidden");
    let r = app
        .post("/api/v1/leads/reassign-overdue")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["reassigned"], json!([lead["id"]]));
    let now = app
        .get(&format!("/api/v1/leads/{}", lead["id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let new_owner = now["owner_id"].as_i64().unwrap();
    assert_ne!(new_owner, first_owner);
    assert!(reps.contains(&new_owner));
}

#[test]
fn the_duplicate_check_finds_unconverted_leads_too() {
    let app = TestApp::spawn();
    let (admin, _, _) = setup(&app);
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "周总", "company": "苏州某某精密机械有限公司", "phone": "13811112222"}))
        .expect(201)
        .json();
    let r = app
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"name": "苏州某某精密机械", "phone": "+86 138 1111 2222"}))
        .expect(200)
        .json();
    assert_eq!(r["exact"], json!([]));
    assert_eq!(r["leads"][0]["lead_id"], lead["id"]);
    assert_eq!(r["leads"][0]["matched_on"], json!(["name", "phone"]));
    assert!(r["leads"][0]["owner_name"].is_string());
}

#[test]
fn an_import_links_repeats_within_its_own_batch_and_routes_them_together() {
    let app = TestApp::spawn();
    let (admin, _, _) = setup(&app);
    // 1,500 rows: more than one multi-row INSERT on PostgreSQL; every 100th row
    // repeats the phone of the row 1,000 places before it (an earlier chunk)
    let rows: Vec<Value> = (0..1500)
        .map(|i| {
            let phone = if i >= 1000 && i % 100 == 0 { i - 1000 } else { i };
            json!({"person_name": format!("批内{i}"), "phone": format!("136{phone:08}")})
        })
        .collect();
    let r = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .json(&Value::Array(rows))
        .expect(200)
        .json();
    assert_eq!(
        r["summary"],
        json!({"total": 1500, "created": 1495, "duplicates": 5, "invalid": 0})
    );
    let rows = r["rows"].as_array().unwrap();
    for i in (1000..1500).step_by(100) {
        let original = &rows[i - 1000];
        assert_eq!(
            rows[i]["duplicate_of"],
            json!({"kind": "lead", "id": original["lead_id"]}),
            "row {i}"
        );
        let dup = app
            .get(&format!("/api/v1/leads/{}", rows[i]["lead_id"]))
            .bearer(&admin)
            .send()
            .expect(200)
            .json();
        let first = app
            .get(&format!("/api/v1/leads/{}", original["lead_id"]))
            .bearer(&admin)
            .send()
            .expect(200)
            .json();
        assert_eq!(
            dup["owner_id"], first["owner_id"],
            "a repeat goes to whoever has the original"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM leads"), 1500);
    // the batch reserved its ids: a lead entered alone and the next batch
    // take fresh ones
    let mut ids: Vec<i64> = rows.iter().map(|r| r["lead_id"].as_i64().unwrap()).collect();
    let one = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "单条", "phone": "13799990000"}))
        .expect(201)
        .json();
    ids.push(one["id"].as_i64().unwrap());
    let next = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .json(&json!([
            {"person_name": "下一批1", "phone": "13799990001"},
            {"person_name": "下一批2", "phone": "13799990002"}
        ]))
        .expect(200)
        .json();
    ids.extend(
        next["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["lead_id"].as_i64().unwrap()),
    );
    let before = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), before, "every lead has its own id");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM leads"), 1503);
}
