//! To-dos and appointments: times by kind, assignment within scope, done
//! with If-Match, the calendar, and next actions that become tasks.

use chrono::{Duration, Utc};
use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

fn at(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[test]
fn tasks_and_appointments_follow_their_time_rules_and_fill_the_calendar() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(east));
    let customer = CustomerBuilder::new("温州眼镜制造公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let theirs = CustomerBuilder::new("台州汽配有限公司")
        .create_dto(&app, &wang.token)
        .customer
        .id;

    let due = at(30);
    let call = app
        .post("/api/v1/tasks")
        .bearer(&li.token)
        .json(
            &json!({"kind": "task", "title": "回电确认报价", "customer_id": customer, "due_at": due,
                      "remind_minutes_before": 60}),
        )
        .expect(201)
        .json();
    assert_eq!(call["assignee_id"], li.id);
    assert_eq!(call["done"], false);
    let remind: chrono::DateTime<Utc> = call["remind_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        remind,
        due.parse::<chrono::DateTime<Utc>>().unwrap() - Duration::hours(1)
    );
    let visit = app
        .post("/api/v1/tasks")
        .bearer(&mgr.token)
        .json(
            &json!({"kind": "appointment", "title": "拜访温州眼镜", "assignee_id": li.id, "location": "温州",
                      "starts_at": at(5), "ends_at": at(7)}),
        )
        .expect(201)
        .json();
    // the rules of each kind, named by field
    let field = |body: Value| {
        let p = app
            .post("/api/v1/tasks")
            .bearer(&li.token)
            .json(&body)
            .problem(422, "validation_failed");
        p["errors"][0]["field"].as_str().unwrap().to_owned()
    };
    assert_eq!(field(json!({"kind": "task", "title": "x"})), "due_at");
    assert_eq!(
        field(json!({"kind": "appointment", "title": "x", "starts_at": at(5)})),
        "ends_at"
    );
    assert_eq!(
        field(json!({"kind": "appointment", "title": "x", "starts_at": at(5), "ends_at": at(4)})),
        "ends_at"
    );
    assert_eq!(
        field(json!({"kind": "task", "title": "x", "due_at": at(1), "customer_id": theirs})),
        "customer_id"
    );
    // a rep gives work only to themselves
    app.post("/api/v1/tasks")
        .bearer(&li.token)
        .json(&json!({"kind": "task", "title": "x", "due_at": at(1), "assignee_id": wang.id}))
        .problem(403, "forbidden");

    // li's calendar: the appointment, then the call
    let cal = app
        .get("/api/v1/me/calendar")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    let ids: Vec<i64> = cal.as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, [id(&visit), id(&call)]);
    assert!(
        app.get("/api/v1/me/calendar")
            .bearer(&wang.token)
            .send()
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // done, guarded by If-Match
    let path = format!("/api/v1/tasks/{}", id(&call));
    app.patch(&path)
        .bearer(&li.token)
        .header("If-Match", "\"99\"")
        .json(&json!({"done": true}))
        .problem(412, "stale_version");
    let done = app
        .patch(&path)
        .bearer(&li.token)
        .header("If-Match", &format!("\"{}\"", call["version"]))
        .json(&json!({"done": true}))
        .expect(200)
        .json();
    assert_eq!(done["done"], true);
    let open: Vec<i64> = app
        .get("/api/v1/tasks?done=false")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(open, [id(&visit)]);
    // another rep neither sees nor changes li's task; the manager sees the team's
    app.patch(&path)
        .bearer(&wang.token)
        .json(&json!({"done": false}))
        .problem(404, "not_found");
    let team = app.get("/api/v1/tasks").bearer(&mgr.token).send().expect(200).json();
    assert_eq!(team["data"].as_array().unwrap().len(), 2);
    app.delete(&path).bearer(&li.token).send().expect(204);
    app.delete(&path).bearer(&li.token).send().problem(404, "not_found");
}

#[test]
fn a_next_action_with_a_time_becomes_a_task_of_its_author() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let li = app.user(&admin, "li@example.com", "rep", None);
    let customer = CustomerBuilder::new("泉州鞋业集团")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let next = at(48);
    let a = app
        .post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(&li.token)
        .json(&json!({"kind": "call", "next_action": "寄样品", "next_action_at": next}))
        .expect(201)
        .json();
    let task = a["task_id"].as_i64().expect("a task");
    let tasks = app.get("/api/v1/tasks").bearer(&li.token).send().expect(200).json();
    let t = &tasks["data"][0];
    assert_eq!(id(t), task);
    assert_eq!(t["title"], "寄样品");
    assert_eq!(t["assignee_id"], li.id);
    assert_eq!(t["customer_id"], customer);
    assert_eq!(t["activity_id"], a["id"]);
    assert_eq!(t["due_at"], next);
    // without a time there is no task
    let b = app
        .post(&format!("/api/v1/customers/{customer}/activities"))
        .bearer(&li.token)
        .json(&json!({"kind": "note", "next_action": "想想"}))
        .expect(201)
        .json();
    assert_eq!(b["task_id"], Value::Null);
}

#[test]
fn a_complaint_runs_its_course_with_who_and_when() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let outsider = app.user(&admin, "zhao@example.com", "rep", Some(north));
    let customer = CustomerBuilder::new("嘉兴纺织品公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    let boss = id(&app
        .post(&format!("/api/v1/customers/{customer}/contacts"))
        .bearer(&li.token)
        .json(&json!({"name": "钱总"}))
        .expect(201)
        .json());
    let c = app
        .post(&format!("/api/v1/customers/{customer}/complaints"))
        .bearer(&mgr.token)
        .json(&json!({"subject": "交货延迟两周", "severity": "high", "contact_id": boss}))
        .expect(201)
        .json();
    // the customer's owner handles it by default
    assert_eq!(c["assignee_id"], li.id);
    assert_eq!(c["status"], "open");
    let path = format!("/api/v1/complaints/{}/transitions", id(&c));
    let step = |token: &str, body: Value| app.post(&path).bearer(token).json(&body);
    let p = step(&li.token, json!({"to": "closed"})).problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "status");
    let handling = step(&li.token, json!({"to": "handling"})).expect(200).json();
    assert_eq!(handling["handling_by"], li.id);
    assert!(handling["handling_at"].is_string());
    let p = step(&li.token, json!({"to": "resolved"})).problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "resolution");
    let p = step(
        &li.token,
        json!({"to": "resolved", "resolution": "补发并赔付运费", "satisfaction": 4}),
    )
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "satisfaction");
    step(&li.token, json!({"to": "resolved", "resolution": "补发并赔付运费"})).expect(200);
    let closed = step(&mgr.token, json!({"to": "closed", "satisfaction": 4}))
        .expect(200)
        .json();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_by"], mgr.id);
    assert_eq!(closed["satisfaction"], 4);
    assert_eq!(closed["resolved_by"], li.id);
    step(&mgr.token, json!({"to": "handling"})).problem(422, "validation_failed");
    // out of reach: 404 to read, list or move
    app.get(&format!("/api/v1/complaints/{}", id(&c)))
        .bearer(&outsider.token)
        .send()
        .problem(404, "not_found");
    step(&outsider.token, json!({"to": "handling"})).problem(404, "not_found");
    let theirs = app
        .get("/api/v1/complaints")
        .bearer(&outsider.token)
        .send()
        .expect(200)
        .json();
    assert!(theirs["data"].as_array().unwrap().is_empty());
    let mine = app
        .get("/api/v1/complaints?status=closed")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(mine["data"][0]["id"], c["id"]);
}

#[test]
fn reminders_gather_what_needs_the_rep_now() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let li = app.user(&admin, "li@example.com", "rep", None);
    let wang = app.user(&admin, "wang@example.com", "rep", None);
    let late = app
        .post("/api/v1/tasks")
        .bearer(&li.token)
        .json(&json!({"kind": "task", "title": "昨天该回的电话", "due_at": at(-20)}))
        .expect(201)
        .json();
    app.post("/api/v1/tasks")
        .bearer(&li.token)
        .json(&json!({"kind": "task", "title": "下周的事", "due_at": at(72)}))
        .expect(201);
    app.post("/api/v1/tasks")
        .bearer(&wang.token)
        .json(&json!({"kind": "task", "title": "王的事", "due_at": at(1)}))
        .expect(201);
    let fading = CustomerBuilder::new("绍兴黄酒酿造公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    CustomerBuilder::new("湖州丝绸有限公司").create_dto(&app, &li.token);
    let day28 = (Utc::now() - Duration::days(28))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.sql(&format!(
        "UPDATE customers SET owned_since = '{day28}' WHERE id = {fading}"
    ));
    let lead = id(&app
        .post("/api/v1/leads")
        .bearer(&li.token)
        .json(&json!({"company": "金华火腿厂", "phone": "13700001234"}))
        .expect(201)
        .json());
    let complaint = id(&app
        .post(&format!("/api/v1/customers/{fading}/complaints"))
        .bearer(&li.token)
        .json(&json!({"subject": "酒有沉淀", "severity": "medium"}))
        .expect(201)
        .json());

    let r = app
        .get("/api/v1/me/reminders")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    let tasks: Vec<i64> = r["tasks"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(tasks, [id(&late)]);
    assert_eq!(r["pool_returns"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["pool_returns_total"], 1, "{r}");
    assert_eq!(r["pool_returns"][0]["customer_id"], fading);
    assert_eq!(r["pool_returns"][0]["customer_name"], "绍兴黄酒酿造公司");
    assert_eq!(r["pool_returns"][0]["reason"], "no_follow_up");
    let returns_at: chrono::DateTime<Utc> = r["pool_returns"][0]["returns_at"].as_str().unwrap().parse().unwrap();
    assert!(returns_at > Utc::now() + Duration::days(1) && returns_at < Utc::now() + Duration::days(3));
    assert_eq!(r["leads_awaiting_first_contact"][0]["lead_id"], lead);
    assert_eq!(r["leads_awaiting_first_contact"][0]["overdue"], false);
    assert_eq!(r["open_complaints"][0]["id"], complaint);
    // a follow-up clears the customer from the list
    app.post(&format!("/api/v1/customers/{fading}/activities"))
        .bearer(&li.token)
        .json(&json!({"kind": "call"}))
        .expect(201);
    let r = app
        .get("/api/v1/me/reminders")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert!(r["pool_returns"].as_array().unwrap().is_empty(), "{r}");
}

#[test]
fn a_large_book_lists_the_soonest_pool_returns_and_counts_them_all() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let li = app.user(&admin, "li@example.com", "rep", None);
    let mut csv = String::from("公司名称\n");
    for n in 0..203 {
        csv.push_str(&format!("第{n}号测试商贸公司\n"));
    }
    let mapping = json!({"公司名称": "name"}).to_string();
    let url = format!(
        "/api/v1/customers/import?mapping={}",
        form_urlencoded::byte_serialize(mapping.as_bytes()).collect::<String>()
    );
    let imported = app
        .post(&url)
        .bearer(&li.token)
        .body("text/csv", &csv)
        .expect(200)
        .json();
    assert_eq!(imported["summary"]["created"], 203, "{imported}");
    let days_ago = |d: i64| (Utc::now() - Duration::days(d)).naive_utc().format("%Y-%m-%d %H:%M:%S");
    app.sql(&format!("UPDATE customers SET owned_since = '{}'", days_ago(28)));
    let soonest = CustomerBuilder::new("最早回公海的客户公司")
        .create_dto(&app, &li.token)
        .customer
        .id;
    app.sql(&format!(
        "UPDATE customers SET owned_since = '{}' WHERE id = {soonest}",
        days_ago(29)
    ));

    let r = app
        .get("/api/v1/me/reminders")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(r["pool_returns_total"], 204, "{r}");
    let returns = r["pool_returns"].as_array().unwrap();
    assert_eq!(returns.len(), 200);
    assert_eq!(returns[0]["customer_id"], soonest);
    let times: Vec<&str> = returns.iter().map(|w| w["returns_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let wb = app
        .get("/api/v1/me/workbench")
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(wb["pool_returns_total"], 204, "{wb}");
}
