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
    let customer = id(&CustomerBuilder::new("温州眼镜制造公司").create(&app, &li.token));
    let theirs = id(&CustomerBuilder::new("台州汽配有限公司").create(&app, &wang.token));

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
    let customer = id(&CustomerBuilder::new("泉州鞋业集团").create(&app, &li.token));
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
