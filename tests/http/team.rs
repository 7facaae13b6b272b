//! Team development: training records and mentoring (老带新) whose joint
//! visits come from the companions of visits, within the manager's reach.

use crm_tests::{CustomerBuilder, TestApp};
use serde_json::{Value, json};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[test]
fn a_manager_pairs_a_new_rep_with_a_mentor_and_joint_visits_are_counted() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let mgr = app.user(&admin, "mgr@example.com", "manager", Some(east));
    let senior = app.user(&admin, "senior@example.com", "rep", Some(east));
    let junior = app.user(&admin, "junior@example.com", "rep", Some(east));
    let zhao = app.user(&admin, "zhao@example.com", "rep", Some(north));
    // training records
    let training = json!({"user_id": junior.id, "kind": "onboarding", "course": "产品与流程", "held_on": "2026-11-02", "result": "通过", "score": 92});
    app.post("/api/v1/team/training")
        .bearer(&senior.token)
        .json(&training)
        .problem(403, "forbidden");
    let mut outside = training.clone();
    outside["user_id"] = json!(zhao.id);
    app.post("/api/v1/team/training")
        .bearer(&mgr.token)
        .json(&outside)
        .problem(404, "not_found");
    let mut bad = training.clone();
    bad["score"] = json!(101);
    let p = app
        .post("/api/v1/team/training")
        .bearer(&mgr.token)
        .json(&bad)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "score");
    app.post("/api/v1/team/training")
        .bearer(&mgr.token)
        .json(&training)
        .expect(201);
    let own = app
        .get("/api/v1/team/training")
        .bearer(&junior.token)
        .send()
        .expect(200)
        .json();
    assert_eq!((own.as_array().unwrap().len(), own[0]["score"].as_i64()), (1, Some(92)));
    let theirs = app
        .get("/api/v1/team/training")
        .bearer(&zhao.token)
        .send()
        .expect(200)
        .json();
    assert!(theirs.as_array().unwrap().is_empty());
    // mentoring: one running mentorship per new rep
    let pair = json!({"mentor_id": senior.id, "mentee_id": junior.id, "started_on": "2026-11-01"});
    let m = app
        .post("/api/v1/team/mentorships")
        .bearer(&mgr.token)
        .json(&pair)
        .expect(201)
        .json();
    assert_eq!(m["joint_visits"], 0);
    let p = app
        .post("/api/v1/team/mentorships")
        .bearer(&mgr.token)
        .json(&pair)
        .problem(409, "mentorship_exists");
    assert_eq!(p["context"]["id"], id(&m));
    // visits together count, whoever logged them; a call or a solo visit does not
    let c = CustomerBuilder::new("陪访客户")
        .create_dto(&app, &junior.token)
        .customer
        .id;
    let theirs_c = CustomerBuilder::new("老客户")
        .create_dto(&app, &senior.token)
        .customer
        .id;
    let log = |token: &str, body: Value, at: &str| {
        let c = if token == senior.token { theirs_c } else { c };
        let a = app
            .post(&format!("/api/v1/customers/{c}/activities"))
            .bearer(token)
            .json(&body)
            .expect(201)
            .json();
        app.sql(&format!(
            "UPDATE activities SET occurred_at = '{at}' WHERE id = {}",
            id(&a)
        ));
    };
    log(
        &junior.token,
        json!({"kind": "visit", "companions": [senior.id]}),
        "2026-11-10 02:00:00",
    );
    log(
        &senior.token,
        json!({"kind": "visit", "companions": [junior.id]}),
        "2026-11-12 02:00:00",
    );
    log(
        &junior.token,
        json!({"kind": "call", "companions": [senior.id]}),
        "2026-11-13 02:00:00",
    );
    log(&junior.token, json!({"kind": "visit"}), "2026-11-14 02:00:00");
    log(
        &junior.token,
        json!({"kind": "visit", "companions": [senior.id]}),
        "2026-10-20 02:00:00",
    );
    let list = app
        .get("/api/v1/team/mentorships")
        .bearer(&mgr.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(list[0]["joint_visits"], 2, "{list}");
    let ended = app
        .post(&format!("/api/v1/team/mentorships/{}/end", id(&m)))
        .bearer(&mgr.token)
        .json(&json!({"ended_on": "2026-11-11"}))
        .expect(200)
        .json();
    assert_eq!(
        (ended["ended_on"].as_str(), ended["joint_visits"].as_i64()),
        (Some("2026-11-11"), Some(1))
    );
    let p = app
        .post(&format!("/api/v1/team/mentorships/{}/end", id(&m)))
        .bearer(&mgr.token)
        .json(&json!({"ended_on": "2026-10-01"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "ended_on");
    // others see nothing of it; a new mentorship may start
    let none = app
        .get("/api/v1/team/mentorships")
        .bearer(&zhao.token)
        .send()
        .expect(200)
        .json();
    assert!(none.as_array().unwrap().is_empty());
    app.post(&format!("/api/v1/team/mentorships/{}/end", id(&m)))
        .bearer(&zhao.token)
        .json(&json!({}))
        .problem(404, "not_found");
    app.post("/api/v1/team/mentorships")
        .bearer(&mgr.token)
        .json(&json!({"mentor_id": mgr.id, "mentee_id": junior.id}))
        .expect(201);
}

#[test]
fn a_lost_deal_becomes_a_case_the_whole_organisation_reads() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(north));
    let c = CustomerBuilder::new("案例客户").create_dto(&app, &li.token).customer.id;
    let deal = id(&app
        .post("/api/v1/opportunities")
        .bearer(&li.token)
        .json(&json!({"customer_id": c, "title": "年度框架"}))
        .expect(201)
        .json());
    let case =
        json!({"opportunity_id": deal, "title": "价格战输给了对手", "lesson": "太晚接触决策人；报价前先约技术评审。"});
    let p = app
        .post("/api/v1/cases")
        .bearer(&li.token)
        .json(&case)
        .problem(422, "validation_failed");
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("opportunity_id"), Some("open"))
    );
    let pipelines = app.get("/api/v1/pipelines").bearer(&li.token).send().expect(200).json();
    let lost = pipelines
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap()["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "lost")
        .unwrap()["id"]
        .clone();
    app.post(&format!("/api/v1/opportunities/{deal}/transitions"))
        .bearer(&li.token)
        .json(&json!({"to_stage_id": lost, "lost_reason": "价格"}))
        .expect(200);
    // another team cannot write up li's deal
    let p = app
        .post("/api/v1/cases")
        .bearer(&wang.token)
        .json(&case)
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "not_found");
    let written = app
        .post("/api/v1/cases")
        .bearer(&li.token)
        .json(&case)
        .expect(201)
        .json();
    assert_eq!(
        (written["outcome"].as_str(), written["author_id"].as_i64()),
        (Some("lost"), Some(li.id))
    );
    let p = app
        .post("/api/v1/cases")
        .bearer(&li.token)
        .json(&case)
        .problem(409, "case_exists");
    assert_eq!(p["context"]["id"], id(&written));
    // the library is shared
    let library = app.get("/api/v1/cases").bearer(&wang.token).send().expect(200).json();
    assert_eq!(library["data"][0]["title"], "价格战输给了对手");
    let won = app
        .get("/api/v1/cases?outcome=won")
        .bearer(&wang.token)
        .send()
        .expect(200)
        .json();
    assert!(won["data"].as_array().unwrap().is_empty());
}
