//! Pipelines and opportunities: enforced transitions and full stage history.

use crm_tests::{TestApp, password_of};
use serde_json::{Value, json};

/// The default pipeline's stages by name.
fn stages(app: &TestApp, token: &str) -> (i64, Vec<(String, i64)>) {
    let ps = app.get("/api/v1/pipelines").bearer(token).send().expect(200).json();
    let p = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap()
        .clone();
    let list = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_owned(), s["id"].as_i64().unwrap()))
        .collect();
    (p["id"].as_i64().unwrap(), list)
}

fn id_of(stages: &[(String, i64)], name: &str) -> i64 {
    stages.iter().find(|(n, _)| n == name).map(|(_, id)| *id).unwrap()
}

struct Setup {
    admin: String,
    rep: String,
    deal: Value,
    stages: Vec<(String, i64)>,
}

fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华东", None);
    app.create_user(&admin, "rep@example.com", "rep", Some(d));
    let rep = app.token("rep@example.com", &password_of("rep@example.com"));
    let customer = app
        .post("/api/v1/customers")
        .bearer(&rep)
        .json(&json!({"name": "华为技术"}))
        .expect(201)
        .json();
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&rep)
        .json(&json!({"customer_id": customer["id"], "title": "ERP 二期"}))
        .expect(201)
        .json();
    let (_, stages) = stages(app, &rep);
    Setup {
        admin,
        rep,
        deal,
        stages,
    }
}

fn move_to(app: &TestApp, token: &str, deal: &Value, stage: i64, extra: Value) -> crm_tests::Res {
    let mut body = json!({"to_stage_id": stage});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post(&format!("/api/v1/opportunities/{}/transitions", deal["id"]))
        .bearer(token)
        .json(&body)
}

#[test]
fn the_default_funnel_is_seeded() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let (_, s) = stages(&app, &admin);
    let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "初次沟通",
            "了解需求",
            "方案制定",
            "商务谈判",
            "合同签订",
            "赢单",
            "输单"
        ]
    );
    let p = app.get("/api/v1/pipelines").bearer(&admin).send().expect(200).json();
    let plan = &p[0]["stages"][2];
    assert_eq!(
        (plan["probability"].as_i64(), plan["required_fields"].clone()),
        (Some(40), json!(["amount", "expected_close_date"]))
    );
}

#[test]
fn moves_are_checked_and_refusals_name_what_is_missing() {
    let app = TestApp::spawn();
    let t = setup(&app);
    assert_eq!(t.deal["stage_id"], id_of(&t.stages, "初次沟通"));
    move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "了解需求"), json!({})).expect(200);
    // 方案制定 needs an amount and a close date
    let p = move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "方案制定"), json!({})).problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["amount", "expected_close_date"]);
    // skipping is refused in the default (no-skip) pipeline
    let p = move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "合同签订"), json!({})).problem(422, "validation_failed");
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("skipping")),
        "{p}"
    );
    // lost needs a reason
    let p = move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "输单"), json!({})).problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "lost_reason");
    // another pipeline's stage
    move_to(&app, &t.rep, &t.deal, 9999, json!({})).problem(422, "validation_failed");

    let path = format!("/api/v1/opportunities/{}", t.deal["id"]);
    let read = app.get(&path).bearer(&t.rep).send().expect(200);
    let etag = read.header("etag").unwrap().to_owned();
    let updated = app
        .patch(&path)
        .bearer(&t.rep)
        .header("If-Match", &etag)
        .json(&json!({"amount": {"amount": 50_000_000, "currency": "CNY"}, "expected_close_date": "2026-12-31"}))
        .expect(200)
        .json();
    assert_eq!(updated["amount"], json!({"amount": 50_000_000, "currency": "CNY"}));
    // a move with the old version is stale
    app.post(&format!("{path}/transitions"))
        .bearer(&t.rep)
        .header("If-Match", &etag)
        .json(&json!({"to_stage_id": id_of(&t.stages, "方案制定")}))
        .problem(412, "stale_version");
    move_to(&app, &t.rep, &updated, id_of(&t.stages, "方案制定"), json!({})).expect(200);
}

#[test]
fn the_history_lists_every_move_with_durations_and_lost_deals_remember_their_stage() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let path = format!("/api/v1/opportunities/{}", t.deal["id"]);
    move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "了解需求"), json!({})).expect(200);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    move_to(&app, &t.rep, &t.deal, id_of(&t.stages, "初次沟通"), json!({})).expect(200);
    let lost = move_to(
        &app,
        &t.rep,
        &t.deal,
        id_of(&t.stages, "输单"),
        json!({"lost_reason": "预算取消"}),
    )
    .expect(200)
    .json();
    assert_eq!(lost["status"], "lost");
    assert_eq!(lost["lost_at_stage_id"], id_of(&t.stages, "初次沟通"));
    assert!(lost["closed_at"].is_string());

    let h = app
        .get(&format!("{path}/history"))
        .bearer(&t.rep)
        .send()
        .expect(200)
        .json();
    let moves: Vec<(Value, i64)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from_stage_id"].clone(), c["to_stage_id"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, id_of(&t.stages, "初次沟通")),
            (json!(id_of(&t.stages, "初次沟通")), id_of(&t.stages, "了解需求")),
            (json!(id_of(&t.stages, "了解需求")), id_of(&t.stages, "初次沟通")),
            (json!(id_of(&t.stages, "初次沟通")), id_of(&t.stages, "输单")),
        ]
    );
    assert!(
        h[2]["seconds_in_from"].as_i64().unwrap() >= 1,
        "time in 了解需求 is recorded: {h}"
    );

    // a closed deal reopens only by a manager
    move_to(&app, &t.rep, &lost, id_of(&t.stages, "初次沟通"), json!({})).problem(422, "validation_failed");
    let reopened = move_to(&app, &t.admin, &lost, id_of(&t.stages, "初次沟通"), json!({}))
        .expect(200)
        .json();
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["closed_at"], Value::Null);
}

#[test]
fn a_skip_pipeline_wins_with_an_amount_and_lists_filter() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let p = app
        .post("/api/v1/pipelines")
        .bearer(&t.admin)
        .json(&json!({"name": "快速成交", "allow_skip": true, "stages": [
            {"name": "接洽", "probability": 20, "kind": "open", "stale_after_days": 1},
            {"name": "报价", "probability": 60, "kind": "open", "required_fields": ["amount"]},
            {"name": "成交", "probability": 100, "kind": "won"},
            {"name": "丢单", "probability": 0, "kind": "lost"}
        ]}))
        .expect(201)
        .json();
    app.post("/api/v1/pipelines")
        .bearer(&t.rep)
        .json(&json!({"name": "x", "stages": []}))
        .problem(403, "forbidden");
    app.post("/api/v1/pipelines")
        .bearer(&t.admin)
        .json(&json!({"name": "坏", "stages": [{"name": "a", "probability": 10, "kind": "open", "required_fields": ["budget"]}]}))
        .problem(422, "validation_failed");
    let won_stage = p["stages"][2]["id"].as_i64().unwrap();
    let customer = t.deal["customer_id"].clone();
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&t.rep)
        .json(&json!({"customer_id": customer, "pipeline_id": p["id"], "title": "快单"}))
        .expect(201)
        .json();
    let e = move_to(&app, &t.rep, &deal, won_stage, json!({})).problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "amount");
    app.patch(&format!("/api/v1/opportunities/{}", deal["id"]))
        .bearer(&t.rep)
        .json(&json!({"amount": {"amount": 880_000, "currency": "cny"}}))
        .expect(200);
    let won = move_to(&app, &t.rep, &deal, won_stage, json!({})).expect(200).json();
    assert_eq!(won["status"], "won");

    let list = |q: &str| {
        app.get(&format!("/api/v1/opportunities?{q}"))
            .bearer(&t.rep)
            .send()
            .expect(200)
            .json()["data"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(list(""), 2);
    assert_eq!(list("status=won"), 1);
    assert_eq!(list(&format!("pipeline_id={}", p["id"])), 1);
    assert_eq!(list("amount_min=800000"), 1);
    assert_eq!(list("stale=true"), 0, "nothing has sat in a stage for days");
    // another rep sees none of it
    app.create_user(&t.admin, "other@example.com", "rep", None);
    let other = app.token("other@example.com", &password_of("other@example.com"));
    app.get(&format!("/api/v1/opportunities/{}", deal["id"]))
        .bearer(&other)
        .send()
        .problem(404, "not_found");
    app.post("/api/v1/opportunities")
        .bearer(&other)
        .json(&json!({"customer_id": customer, "title": "抢单"}))
        .problem(404, "not_found");
}

#[test]
fn stale_deals_sat_in_their_stage_or_were_neglected() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let customer = t.deal["customer_id"].clone();
    let new_deal = |title: &str| {
        app.post("/api/v1/opportunities")
            .bearer(&t.rep)
            .json(&json!({"customer_id": customer, "title": title}))
            .expect(201)
            .json()["id"]
            .as_i64()
            .unwrap()
    };
    let (neglected, touched, planned, parked) = (
        new_deal("无人跟进"),
        new_deal("刚联系"),
        new_deal("已约下次"),
        new_deal("久未推进"),
    );
    // all four are a month old; the parked one has also sat in its stage that long
    app.sql("UPDATE opportunities SET created_at = '2020-01-01 00:00:00'");
    app.sql(&format!(
        "UPDATE opportunities SET stage_entered_at = '2020-01-01 00:00:00' WHERE id = {parked}"
    ));
    let log = |deal: i64, body: Value| {
        app.post(&format!("/api/v1/opportunities/{deal}/activities"))
            .bearer(&t.rep)
            .json(&body)
            .expect(201);
    };
    log(touched, json!({"kind": "call", "outcome": "约了演示"}));
    log(
        planned,
        json!({"kind": "visit", "occurred_at": "2020-01-02T00:00:00Z", "next_action": "回访", "next_action_at": "2099-01-01T00:00:00Z"}),
    );
    log(parked, json!({"kind": "call"}));
    let stale: Vec<i64> = app
        .get("/api/v1/opportunities?stale=true")
        .bearer(&t.rep)
        .send()
        .expect(200)
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert!(stale.contains(&neglected) && stale.contains(&parked), "{stale:?}");
    assert!(!stale.contains(&touched) && !stale.contains(&planned), "{stale:?}");
    let acts = app
        .get(&format!("/api/v1/opportunities/{planned}/activities"))
        .bearer(&t.rep)
        .send()
        .expect(200)
        .json();
    assert_eq!(acts[0]["next_action"], "回访");
    let c = app
        .get(&format!("/api/v1/customers/{customer}"))
        .bearer(&t.rep)
        .send()
        .expect(200)
        .json();
    assert!(
        c["last_contacted_at"].is_string(),
        "deal activities count as contact: {c}"
    );
}

#[test]
fn transfers_move_open_deals_along_and_merges_move_all_deals() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let customer = t.deal["customer_id"].as_i64().unwrap();
    let other = app.create_user(&t.admin, "heir@example.com", "rep", None);
    // a second deal, won: it stays credited to the rep who won it
    let won = app
        .post("/api/v1/opportunities")
        .bearer(&t.rep)
        .json(&json!({"customer_id": customer, "title": "已成交", "amount": {"amount": 100, "currency": "CNY"}}))
        .expect(201)
        .json();
    app.sql(&format!(
        "UPDATE opportunities SET status = 'won' WHERE id = {}",
        won["id"]
    ));
    app.post("/api/v1/customers/transfer")
        .bearer(&t.admin)
        .json(&json!({"customer_ids": [customer], "to_user_id": other}))
        .expect(200);
    let open = app
        .get(&format!("/api/v1/opportunities/{}", t.deal["id"]))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(open["owner_id"], other, "the open deal moved with its customer");
    let closed = app
        .get(&format!("/api/v1/opportunities/{}", won["id"]))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_ne!(closed["owner_id"], other, "a won deal stays with who won it");

    let survivor = app
        .post("/api/v1/customers")
        .bearer(&t.admin)
        .json(&json!({"name": "合并后公司"}))
        .expect(201)
        .json();
    app.post(&format!("/api/v1/customers/{}/merge", survivor["id"]))
        .bearer(&t.admin)
        .json(&json!({"from_customer_id": customer}))
        .expect(200);
    for deal in [&t.deal, &won] {
        let d = app
            .get(&format!("/api/v1/opportunities/{}", deal["id"]))
            .bearer(&t.admin)
            .send()
            .expect(200)
            .json();
        assert_eq!(d["customer_id"], survivor["id"]);
    }
}

#[test]
fn an_admin_sets_a_stage_target_on_an_existing_pipeline() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let (pipeline, _) = stages(&app, &t.admin);
    let first = id_of(&t.stages, "初次沟通");
    let path = format!("/api/v1/pipelines/{pipeline}/stages/{first}");
    app.patch(&path)
        .bearer(&t.rep)
        .json(&json!({"target_conversion_bp": 6000}))
        .problem(403, "forbidden");
    let p = app
        .patch(&path)
        .bearer(&t.admin)
        .json(&json!({"target_conversion_bp": 10001}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "target_conversion_bp");
    app.patch(&format!("/api/v1/pipelines/{}/stages/{first}", pipeline + 999))
        .bearer(&t.admin)
        .json(&json!({"probability": 20}))
        .problem(404, "not_found");
    let changed = app
        .patch(&path)
        .bearer(&t.admin)
        .json(&json!({"target_conversion_bp": 6000, "probability": 15}))
        .expect(200)
        .json();
    let stage = changed["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == first)
        .unwrap()
        .clone();
    assert_eq!(
        (stage["target_conversion_bp"].as_i64(), stage["probability"].as_i64()),
        (Some(6000), Some(15))
    );
    assert_eq!(stage["name"], "初次沟通", "absent fields stay");
    // the funnel reads it: the deal entered today and has not moved on
    let f = app
        .get("/api/v1/reports/funnel?period=day")
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    let s = f["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage_id"] == first)
        .unwrap()
        .clone();
    assert_eq!(
        (s["entered"].as_u64(), s["target_conversion_bp"].as_i64()),
        (Some(1), Some(6000))
    );
    assert_eq!(s["below_target"], true);
    // null clears it
    let cleared = app
        .patch(&path)
        .bearer(&t.admin)
        .json(&json!({"target_conversion_bp": null}))
        .expect(200)
        .json();
    let stage = cleared["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == first)
        .unwrap()
        .clone();
    assert_eq!(stage["target_conversion_bp"], Value::Null);
    assert_eq!(stage["probability"], 15);
}

/// Exit criteria (#41 item 6), read into the API's own types: the first
/// stage's checklist holds a deal until its required item is checked.
#[test]
fn a_deal_leaves_its_stage_forward_only_once_the_required_checkpoints_are_checked() {
    use api::routes::opportunities::{CheckpointDto, DealCheckDto, DealChecklist};

    let app = TestApp::spawn();
    let s = setup(&app);
    let (pipeline, _) = stages(&app, &s.admin);
    let (first, second) = (id_of(&s.stages, "初次沟通"), id_of(&s.stages, "了解需求"));
    let deal = s.deal["id"].as_i64().unwrap();
    let list_path = format!("/api/v1/pipelines/{pipeline}/stages/{first}/checkpoints");
    let body = json!({"checkpoints": [
        {"label": "需求已确认", "required": true},
        {"label": "已发资料"}
    ]});
    app.req("PUT", &list_path)
        .bearer(&s.rep)
        .json(&body)
        .problem(403, "forbidden");
    let list: Vec<CheckpointDto> = app
        .req("PUT", &list_path)
        .bearer(&s.admin)
        .json(&body)
        .expect(200)
        .dto();
    let labels: Vec<(&str, bool)> = list.iter().map(|c| (c.label.as_str(), c.required)).collect();
    assert_eq!(labels, [("需求已确认", true), ("已发资料", false)]);
    let (needed, optional) = (list[0].id, list[1].id);

    let checklist = |token: &str| -> DealChecklist {
        app.get(&format!("/api/v1/opportunities/{deal}/checkpoints"))
            .bearer(token)
            .send()
            .expect(200)
            .dto()
    };
    let before = checklist(&s.rep);
    assert_eq!((before.stage_id, before.holding, before.items.len()), (first, 1, 2));
    let held = move_to(&app, &s.rep, &s.deal, second, json!({})).problem(422, "validation_failed");
    assert_eq!(held["errors"][0]["field"], "checkpoints", "{held}");
    assert_eq!(held["errors"][0]["message"], "check first: 需求已确认");
    let check = |point: i64, body: Value| {
        app.req("PUT", &format!("/api/v1/opportunities/{deal}/checkpoints/{point}"))
            .bearer(&s.rep)
            .json(&body)
    };
    check(optional, json!({"checked": true})).expect(200);
    move_to(&app, &s.rep, &s.deal, second, json!({})).problem(422, "validation_failed");
    let done: DealCheckDto = check(needed, json!({"checked": true, "note": "3月2日会议纪要"}))
        .expect(200)
        .dto();
    assert!(done.checked && done.checked_at.is_some());
    assert_eq!(done.note.as_deref(), Some("3月2日会议纪要"));
    assert_eq!(checklist(&s.admin).holding, 0);
    // unchecking and checking again keeps the earlier check on record
    check(optional, json!({"checked": false})).expect(200);
    check(optional, json!({"checked": true})).expect(200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM deal_checks WHERE opportunity_id = {deal}"
        )),
        3
    );
    move_to(&app, &s.rep, &s.deal, second, json!({})).expect(200);
    let now = checklist(&s.rep);
    assert_eq!((now.stage_id, now.holding, now.items.len()), (second, 0, 0));
    // moving back is never held
    move_to(&app, &s.rep, &s.deal, first, json!({})).expect(200);

    // the admin renames the kept item and retires the other; an unknown id is named
    let kept: Vec<CheckpointDto> = app
        .req("PUT", &list_path)
        .bearer(&s.admin)
        .json(&json!({"checkpoints": [{"id": needed, "label": "需求已书面确认", "required": true}]}))
        .expect(200)
        .dto();
    assert_eq!(
        kept.iter().map(|c| (c.id, c.label.as_str())).collect::<Vec<_>>(),
        [(needed, "需求已书面确认")]
    );
    let wrong = app
        .req("PUT", &list_path)
        .bearer(&s.admin)
        .json(&json!({"checkpoints": [{"id": 987_654, "label": "x"}]}))
        .problem(422, "validation_failed");
    assert_eq!(wrong["errors"][0]["field"], "checkpoints.0.id");
    assert_eq!(checklist(&s.rep).holding, 0, "the kept item's check stays");
    check(optional, json!({"checked": true})).problem(404, "not_found");

    // another team sees nothing; a closed deal's checks no longer change
    let d2 = app.create_department(&s.admin, "华南", None);
    app.create_user(&s.admin, "south@example.com", "rep", Some(d2));
    let south = app.token("south@example.com", &password_of("south@example.com"));
    app.get(&format!("/api/v1/opportunities/{deal}/checkpoints"))
        .bearer(&south)
        .send()
        .problem(404, "not_found");
    app.req("PUT", &format!("/api/v1/opportunities/{deal}/checkpoints/{needed}"))
        .bearer(&south)
        .json(&json!({"checked": false}))
        .problem(404, "not_found");
    move_to(
        &app,
        &s.rep,
        &s.deal,
        id_of(&s.stages, "输单"),
        json!({"lost_reason": "预算取消"}),
    )
    .expect(200);
    check(needed, json!({"checked": false})).problem(409, "deal_closed");
}

/// Coaching (#41 item 2): the rep's status analysis asks for help and the
/// manager hears of it; the manager's comment reaches the rep; the thread
/// and the analyses keep their order; another team sees none of it.
#[test]
fn a_rep_asks_for_help_in_a_status_analysis_and_the_managers_comment_reaches_them() {
    use api::routes::opportunities::{AnalysisDto, DealCommentDto};

    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let rep = app.user(&admin, "rep@example.com", "rep", Some(east));
    let boss = app.user(&admin, "boss@example.com", "manager", Some(east));
    let south = app.create_department(&admin, "华南", None);
    let other = app.user(&admin, "south@example.com", "rep", Some(south));
    let customer = app
        .post("/api/v1/customers")
        .bearer(&rep.token)
        .json(&json!({"name": "华为技术"}))
        .expect(201)
        .json();
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&rep.token)
        .json(&json!({"customer_id": customer["id"], "title": "ERP 二期"}))
        .expect(201)
        .json();
    let d = deal["id"].as_i64().unwrap();
    let analyses = format!("/api/v1/opportunities/{d}/analyses");
    let comments = format!("/api/v1/opportunities/{d}/comments");
    let events_of = |token: &str| -> Vec<(String, i64)> {
        app.get("/api/v1/notifications").bearer(token).send().expect(200).json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["event"].as_str().unwrap().to_owned(),
                    n["entity_id"].as_i64().unwrap(),
                )
            })
            .collect()
    };

    let first: AnalysisDto = app
        .post(&analyses)
        .bearer(&rep.token)
        .json(&json!({"situation": "客户已确认预算", "next_step": "技术交流", "next_step_on": "2027-01-15"}))
        .expect(201)
        .dto();
    assert_eq!(
        (first.stage_id, first.written_by),
        (deal["stage_id"].as_i64().unwrap(), rep.id)
    );
    assert!(!events_of(&boss.token).contains(&("deal.help_wanted".to_owned(), d)));
    let second: AnalysisDto = app
        .post(&analyses)
        .bearer(&rep.token)
        .json(&json!({"situation": "决策人未见到", "risks": "竞品低价", "help_wanted": "请经理陪同拜访总经理"}))
        .expect(201)
        .dto();
    assert!(events_of(&boss.token).contains(&("deal.help_wanted".to_owned(), d)));
    let listed: Vec<AnalysisDto> = app.get(&analyses).bearer(&boss.token).send().expect(200).dto();
    assert_eq!(
        listed.iter().map(|a| a.id).collect::<Vec<_>>(),
        [second.id, first.id],
        "newest first"
    );
    let older: Vec<AnalysisDto> = app
        .get(&format!("{analyses}?before={}", second.id))
        .bearer(&boss.token)
        .send()
        .expect(200)
        .dto();
    assert_eq!(older.len(), 1);

    // the rep's own comment tells nobody; the manager's tells the rep
    app.post(&comments)
        .bearer(&rep.token)
        .json(&json!({"body": "周三可以吗？"}))
        .expect(201);
    assert!(!events_of(&rep.token).contains(&("deal.commented".to_owned(), d)));
    let reply: DealCommentDto = app
        .post(&comments)
        .bearer(&boss.token)
        .json(&json!({"body": "周三下午，先约技术负责人"}))
        .expect(201)
        .dto();
    assert_eq!(reply.author_id, boss.id);
    assert!(events_of(&rep.token).contains(&("deal.commented".to_owned(), d)));
    let thread: Vec<DealCommentDto> = app.get(&comments).bearer(&rep.token).send().expect(200).dto();
    let said: Vec<(i64, &str)> = thread.iter().map(|c| (c.author_id, c.body.as_str())).collect();
    assert_eq!(said, [(rep.id, "周三可以吗？"), (boss.id, "周三下午，先约技术负责人")]);
    let after: Vec<DealCommentDto> = app
        .get(&format!("{comments}?after={}", thread[0].id))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .dto();
    assert_eq!(after.len(), 1);

    // refusals
    let blank = app
        .post(&analyses)
        .bearer(&rep.token)
        .json(&json!({"situation": "   "}))
        .problem(422, "validation_failed");
    assert_eq!(blank["errors"][0]["field"], "situation");
    app.post(&comments)
        .bearer(&other.token)
        .json(&json!({"body": "x"}))
        .problem(404, "not_found");
    app.get(&analyses).bearer(&other.token).send().problem(404, "not_found");
    app.get(&comments).bearer(&other.token).send().problem(404, "not_found");
    assert!(!events_of(&other.token).iter().any(|(_, id)| *id == d));
}

/// The buying committee (#41 item 4): from the stage the admin marks on, a
/// deal without a decision maker is flagged until one is seated.
#[test]
fn a_deal_past_the_marked_stage_is_flagged_until_its_decision_maker_is_identified() {
    use api::routes::opportunities::{CommitteeDto, CommitteeRole, Stance};

    let app = TestApp::spawn();
    let s = setup(&app);
    let (pipeline, _) = stages(&app, &s.admin);
    let plan = id_of(&s.stages, "方案制定");
    let deal = s.deal["id"].as_i64().unwrap();
    let customer = s.deal["customer_id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/pipelines/{pipeline}/stages/{plan}"))
        .bearer(&s.admin)
        .json(&json!({"needs_decision_maker": true}))
        .expect(200);
    let contact = |customer: i64, name: &str| -> i64 {
        app.post(&format!("/api/v1/customers/{customer}/contacts"))
            .bearer(&s.rep)
            .json(&json!({"name": name}))
            .expect(201)
            .json()["id"]
            .as_i64()
            .unwrap()
    };
    let (boss, engineer) = (contact(customer, "王总"), contact(customer, "李工"));
    let committee = || -> CommitteeDto {
        app.get(&format!("/api/v1/opportunities/{deal}/committee"))
            .bearer(&s.rep)
            .send()
            .expect(200)
            .dto()
    };
    let seat = |contact: i64, body: Value| {
        app.req("PUT", &format!("/api/v1/opportunities/{deal}/committee/{contact}"))
            .bearer(&s.rep)
            .json(&body)
    };
    assert!(!committee().lacks_decision_maker, "the first stage needs none");
    let c: CommitteeDto = seat(engineer, json!({"role": "recommender", "stance": "supporter"}))
        .expect(200)
        .dto();
    assert_eq!(
        c.members
            .iter()
            .map(|m| (m.name.as_str(), m.role, m.stance))
            .collect::<Vec<_>>(),
        [("李工", CommitteeRole::Recommender, Stance::Supporter)]
    );
    app.patch(&format!("/api/v1/opportunities/{deal}"))
        .bearer(&s.rep)
        .json(&json!({"amount": {"amount": 500_000, "currency": "CNY"}, "expected_close_date": "2027-06-30"}))
        .expect(200);
    move_to(&app, &s.rep, &s.deal, id_of(&s.stages, "了解需求"), json!({})).expect(200);
    move_to(&app, &s.rep, &s.deal, plan, json!({})).expect(200);
    assert!(
        committee().lacks_decision_maker,
        "at the marked stage with no decision maker"
    );
    let c: CommitteeDto = seat(
        boss,
        json!({"role": "decision_maker", "stance": "neutral", "note": "关心实施周期"}),
    )
    .expect(200)
    .dto();
    assert!(!c.lacks_decision_maker);
    assert_eq!(c.members.len(), 2);
    let c: CommitteeDto = seat(boss, json!({"role": "decision_maker", "stance": "supporter"}))
        .expect(200)
        .dto();
    assert_eq!(
        c.members.iter().find(|m| m.contact_id == boss).map(|m| m.stance),
        Some(Stance::Supporter)
    );
    let c: CommitteeDto = app
        .req("DELETE", &format!("/api/v1/opportunities/{deal}/committee/{boss}"))
        .bearer(&s.rep)
        .send()
        .expect(200)
        .dto();
    assert!(c.lacks_decision_maker, "flagged again once the decision maker leaves");

    // refusals: another customer's contact, an unknown role, another team
    let other_customer = app
        .post("/api/v1/customers")
        .bearer(&s.rep)
        .json(&json!({"name": "中兴通讯"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    let stranger = contact(other_customer, "张总");
    let p = seat(stranger, json!({"role": "user", "stance": "neutral"})).problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "contact_id");
    seat(engineer, json!({"role": "boss", "stance": "neutral"})).problem(422, "validation_failed");
    let d2 = app.create_department(&s.admin, "华南", None);
    app.create_user(&s.admin, "south@example.com", "rep", Some(d2));
    let south = app.token("south@example.com", &password_of("south@example.com"));
    app.get(&format!("/api/v1/opportunities/{deal}/committee"))
        .bearer(&south)
        .send()
        .problem(404, "not_found");
}

/// Milestones (#41 item 7): dated steps with an owner; one past its date and
/// not done is the owner's reminder until it is done.
#[test]
fn a_milestone_past_its_date_reminds_its_owner_until_done() {
    use api::routes::opportunities::{MilestoneDto, MilestoneKind};

    let app = TestApp::spawn();
    let s = setup(&app);
    let deal = s.deal["id"].as_i64().unwrap();
    let path = format!("/api/v1/opportunities/{deal}/milestones");
    let add = |body: Value| app.post(&path).bearer(&s.rep).json(&body);
    let proposal: MilestoneDto = add(json!({"kind": "proposal", "title": "方案提交", "due_on": "2099-01-01"}))
        .expect(201)
        .dto();
    let demo: MilestoneDto = add(json!({"kind": "demo", "title": "产品演示", "due_on": "2020-01-02"}))
        .expect(201)
        .dto();
    assert_eq!(
        (demo.kind, demo.owner_id, demo.done_on),
        (MilestoneKind::Demo, proposal.owner_id, None)
    );
    let listed: Vec<MilestoneDto> = app.get(&path).bearer(&s.rep).send().expect(200).dto();
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [demo.id, proposal.id],
        "by date"
    );
    let overdue = |token: &str| -> Vec<i64> {
        app.get("/api/v1/me/reminders").bearer(token).send().expect(200).json()["milestones_overdue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(overdue(&s.rep), [demo.id]);
    let workbench = app.get("/api/v1/me/workbench").bearer(&s.rep).send().expect(200).json();
    assert_eq!(workbench["milestones_overdue"][0]["id"], demo.id);
    let done: MilestoneDto = app
        .patch(&format!("{path}/{}", demo.id))
        .bearer(&s.rep)
        .json(&json!({"done_on": "2020-01-03"}))
        .expect(200)
        .dto();
    assert_eq!(done.done_on, chrono::NaiveDate::from_ymd_opt(2020, 1, 3));
    assert!(overdue(&s.rep).is_empty());

    // refusals: an owner outside the caller's reach, an unknown kind, another team
    let d2 = app.create_department(&s.admin, "华南", None);
    let south_id = app.create_user(&s.admin, "south@example.com", "rep", Some(d2));
    let south = app.token("south@example.com", &password_of("south@example.com"));
    let p = add(json!({"kind": "trial", "title": "试用", "due_on": "2099-02-01", "owner_id": south_id}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "owner_id");
    add(json!({"kind": "party", "title": "x", "due_on": "2099-02-01"})).problem(422, "validation_failed");
    app.get(&path).bearer(&south).send().problem(404, "not_found");
    app.patch(&format!("{path}/{}", demo.id))
        .bearer(&south)
        .json(&json!({"done_on": null}))
        .problem(404, "not_found");
    app.req("DELETE", &format!("{path}/{}", proposal.id))
        .bearer(&s.rep)
        .send()
        .expect(204);
    app.req("DELETE", &format!("{path}/{}", proposal.id))
        .bearer(&s.rep)
        .send()
        .problem(404, "not_found");
}
