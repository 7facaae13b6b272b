//! Win/loss by competitor (#41 item 5), figures computed by hand.

use api::routes::competitors::{CompetitorDto, InPlayDto};
use crm_tests::TestApp;
use serde_json::{Value, json};

use super::*;

/// li's deals, closed this month:
/// - d1 100,000 won, 用友 (A) and 金蝶 (B) in play;
/// - d2 50,000 lost to A ("价格"), A in play;
/// - d3 30,000 lost to B ("关系"), A and B in play;
/// - d4 20,000 lost to B ("价格"), B put in play by the loss itself;
/// - d5 open, A in play: not counted.
///
/// A: met 3, won 1, lost 2, lost to it 1, won 100,000, lost 80,000, 33.33 %.
/// B: met 3, won 1, lost 2, lost to it 2, won 100,000, lost 50,000, 33.33 %.
#[test]
fn win_loss_by_competitor_adds_up_by_hand_and_stays_in_scope() {
    let app = TestApp::spawn();
    let t = team(&app);
    in_cny(&app, &t);
    let li = &t.li.token;
    let add = |name: &str| -> CompetitorDto {
        app.post("/api/v1/competitors")
            .bearer(&t.admin)
            .json(&json!({"name": name, "price_position": "lower", "strengths": "价格低"}))
            .expect(201)
            .dto()
    };
    let (a, b) = (add("用友").id, add("金蝶").id);
    let taken = app
        .post("/api/v1/competitors")
        .bearer(&t.admin)
        .json(&json!({"name": "用友"}))
        .problem(409, "code_taken");
    assert_eq!(taken["errors"][0]["field"], "name");
    app.post("/api/v1/competitors")
        .bearer(li)
        .json(&json!({"name": "浪潮"}))
        .problem(403, "forbidden");

    let (p, _, _, won, lost) = pipeline(&app, &t.admin);
    let in_play = |d: i64, c: i64, body: Value| {
        app.req("PUT", &format!("/api/v1/opportunities/{d}/competitors/{c}"))
            .bearer(li)
            .json(&body)
    };
    let behind = json!({"position": "behind"});
    let d1 = deal(&app, li, p, "甲方", Some(100_000));
    in_play(
        d1,
        a,
        json!({"position": "ahead", "offer": {"amount": 90_000, "currency": "CNY"}}),
    )
    .expect(200);
    in_play(d1, b, behind.clone()).expect(200);
    go(&app, li, d1, won, json!({}));
    let d2 = deal(&app, li, p, "乙方", Some(50_000));
    in_play(d2, a, behind.clone()).expect(200);
    go(
        &app,
        li,
        d2,
        lost,
        json!({"lost_reason": "价格", "lost_to_competitor_id": a}),
    );
    let d3 = deal(&app, li, p, "丙方", Some(30_000));
    in_play(d3, a, behind.clone()).expect(200);
    in_play(d3, b, behind.clone()).expect(200);
    go(
        &app,
        li,
        d3,
        lost,
        json!({"lost_reason": "关系", "lost_to_competitor_id": b}),
    );
    let d4 = deal(&app, li, p, "丁方", Some(20_000));
    go(
        &app,
        li,
        d4,
        lost,
        json!({"lost_reason": "价格", "lost_to_competitor_id": b}),
    );
    let d5 = deal(&app, li, p, "戊方", Some(7_000));
    let listed: Vec<InPlayDto> = in_play(d5, a, json!({"position": "even", "note": "刚接触"}))
        .expect(200)
        .dto();
    assert_eq!(listed.len(), 1);

    let on_d4: Vec<InPlayDto> = app
        .get(&format!("/api/v1/opportunities/{d4}/competitors"))
        .bearer(li)
        .send()
        .expect(200)
        .dto();
    assert_eq!(
        on_d4.iter().map(|c| c.competitor_id).collect::<Vec<_>>(),
        [b],
        "the loss put it in play"
    );
    let on_d1: Vec<InPlayDto> = app
        .get(&format!("/api/v1/opportunities/{d1}/competitors"))
        .bearer(li)
        .send()
        .expect(200)
        .dto();
    assert_eq!(on_d1[0].offer.as_ref().map(|m| m.amount()), Some(90_000));

    let report = app
        .get("/api/v1/reports/competitors")
        .bearer(li)
        .send()
        .expect(200)
        .json();
    let row = |id: i64| -> Value {
        report["competitors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["competitor_id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let figures = |r: &Value| {
        (
            r["met"].as_u64(),
            r["won"].as_u64(),
            r["lost"].as_u64(),
            r["lost_to_it"].as_u64(),
            r["won_amount"]["amount"].as_i64(),
            r["lost_amount"]["amount"].as_i64(),
            r["win_rate_bp"].as_u64(),
        )
    };
    assert_eq!(
        figures(&row(a)),
        (
            Some(3),
            Some(1),
            Some(2),
            Some(1),
            Some(100_000),
            Some(80_000),
            Some(3333)
        ),
        "{report}"
    );
    assert_eq!(
        figures(&row(b)),
        (
            Some(3),
            Some(1),
            Some(2),
            Some(2),
            Some(100_000),
            Some(50_000),
            Some(3333)
        )
    );
    assert_eq!(
        row(a)["top_lost_reasons"],
        json!([{"reason": "价格", "deals": 1}, {"reason": "关系", "deals": 1}])
    );
    assert_eq!(row(a)["name"], "用友");

    // another team sees none of it
    let theirs = app
        .get("/api/v1/reports/competitors")
        .bearer(&t.wang.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(theirs["competitors"], json!([]));
    app.get(&format!("/api/v1/opportunities/{d1}/competitors"))
        .bearer(&t.wang.token)
        .send()
        .problem(404, "not_found");
    // refusals name their field
    let wrong = in_play(
        d5,
        b,
        json!({"position": "behind", "offer": {"amount": 1, "currency": "USD"}}),
    )
    .problem(422, "validation_failed");
    assert_eq!(wrong["errors"][0]["field"], "offer.currency");
    let ghost = app
        .post(&format!("/api/v1/opportunities/{d5}/transitions"))
        .bearer(li)
        .json(&json!({"to_stage_id": lost, "lost_reason": "x", "lost_to_competitor_id": 987_654}))
        .problem(422, "validation_failed");
    assert_eq!(ghost["errors"][0]["field"], "lost_to_competitor_id");
    app.req("DELETE", &format!("/api/v1/opportunities/{d5}/competitors/{a}"))
        .bearer(li)
        .send()
        .expect(204);
    app.req("DELETE", &format!("/api/v1/opportunities/{d5}/competitors/{a}"))
        .bearer(li)
        .send()
        .problem(404, "not_found");
    // the admin retires a competitor: no longer offered, its record stays
    let blank = app
        .patch(&format!("/api/v1/competitors/{b}"))
        .bearer(&t.admin)
        .json(&json!({"weaknesses": ""}))
        .problem(422, "validation_failed");
    assert_eq!(blank["errors"][0]["field"], "weaknesses");
    let retired: CompetitorDto = app
        .patch(&format!("/api/v1/competitors/{b}"))
        .bearer(&t.admin)
        .json(&json!({"active": false, "weaknesses": null}))
        .expect(200)
        .dto();
    assert!(!retired.active && retired.weaknesses.is_none());
    in_play(d5, b, behind).problem(404, "not_found");
    let offered: Vec<CompetitorDto> = app.get("/api/v1/competitors").bearer(li).send().expect(200).dto();
    assert_eq!(offered.iter().map(|c| c.id).collect::<Vec<_>>(), [a]);
    let again = app
        .get("/api/v1/reports/competitors")
        .bearer(li)
        .send()
        .expect(200)
        .json();
    assert_eq!(
        again["competitors"].as_array().map(Vec::len),
        Some(2),
        "the retired one's record stays"
    );
}
