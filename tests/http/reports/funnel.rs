use crm_tests::TestApp;
use serde_json::{Value, json};

use super::*;

/// A: 1 (Nov 1) -> 2 (Nov 3) -> won (Nov 5), 1000. B: 1 (Nov 2) -> 2 (Nov 6),
/// open, 500. C: 1 (Nov 10) -> lost (Nov 11), 300. D: in 1 since October 1
/// -> 2 (Nov 2), open, no amount. E: 1 (Nov 20), open, 200. Activities on A
/// on Nov 2 (in 1) and Nov 4 (in 2), on B on Nov 7.
#[test]
fn the_funnel_gives_the_hand_computed_figures() {
    let app = TestApp::spawn();
    let t = team(&app);
    let li = &t.li.token;
    let (p, s1, s2, won, lost) = pipeline(&app, &t.admin);
    let a = deal(&app, li, p, "甲公司", Some(1000));
    let b = deal(&app, li, p, "乙公司", Some(500));
    let c = deal(&app, li, p, "丙公司", Some(300));
    let d = deal(&app, li, p, "丁公司", None);
    let e = deal(&app, li, p, "戊公司", Some(200));
    go(&app, li, a, s2, json!({}));
    go(&app, li, a, won, json!({}));
    go(&app, li, b, s2, json!({}));
    go(&app, li, c, lost, json!({"lost_reason": "预算取消"}));
    go(&app, li, d, s2, json!({}));
    entered(&app, a, s1, &nov(1), 0);
    entered(&app, a, s2, &nov(3), 2 * DAY);
    entered(&app, a, won, &nov(5), 2 * DAY);
    dates(&app, a, &nov(1), Some(&nov(5)));
    entered(&app, b, s1, &nov(2), 0);
    entered(&app, b, s2, &nov(6), 4 * DAY);
    dates(&app, b, &nov(2), None);
    entered(&app, c, s1, &nov(10), 0);
    entered(&app, c, lost, &nov(11), DAY);
    dates(&app, c, &nov(10), Some(&nov(11)));
    entered(&app, d, s1, "2026-10-01 04:00:00", 0);
    entered(&app, d, s2, &nov(2), 32 * DAY);
    dates(&app, d, "2026-10-01 04:00:00", None);
    entered(&app, e, s1, &nov(20), 0);
    dates(&app, e, &nov(20), None);
    activity(&app, li, a, &nov(2));
    activity(&app, li, a, &nov(4));
    activity(&app, li, b, &nov(7));

    let url = format!("/api/v1/reports/funnel?pipeline_id={p}&period=month&date=2026-11-15");
    let f = app.get(&url).bearer(li).send().expect(200).json();
    assert_eq!(f["period"]["from"], "2026-11-01");
    assert_eq!(f["period"]["to"], "2026-11-30");
    assert_eq!(f["period"]["starts_at"], "2026-10-31T16:00:00Z");
    let stages = f["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 3, "open stages and won: {f}");
    let s = &stages[0];
    assert_eq!(
        (s["name"].as_str(), s["entered"].as_u64(), s["advanced"].as_u64()),
        (Some("初步接洽"), Some(4), Some(2))
    );
    assert_eq!(s["conversion_bp"], 5000);
    assert_eq!(s["below_target"], false);
    assert_eq!(
        (s["open_count"].as_u64(), s["open_amount"]["amount"].as_i64()),
        (Some(1), Some(200))
    );
    assert_eq!(s["weighted_amount"], json!({"amount": 20, "currency": "CNY"}));
    // stays that ended in November: 2, 4, 1 and 32 days
    assert_eq!(
        (s["stays"].as_u64(), s["median_days"].as_f64(), s["mean_days"].as_f64()),
        (Some(4), Some(3.0), Some(9.75))
    );
    let s = &stages[1];
    assert_eq!((s["entered"].as_u64(), s["advanced"].as_u64()), (Some(3), Some(1)));
    assert_eq!(s["conversion_bp"], 3333);
    assert_eq!(s["below_target"], true, "33 % is below the 80 % target");
    assert_eq!(
        (s["open_count"].as_u64(), s["open_amount"]["amount"].as_i64()),
        (Some(2), Some(500))
    );
    assert_eq!(s["weighted_amount"]["amount"], 250);
    assert_eq!(s["median_days"], 2.0);
    assert_eq!(
        (stages[2]["kind"].as_str(), stages[2]["entered"].as_u64()),
        (Some("won"), Some(1))
    );
    assert_eq!((f["won"].as_u64(), f["lost"].as_u64()), (Some(1), Some(1)));
    assert_eq!(f["won_amount"]["amount"], 1000);
    assert_eq!(f["win_rate_bp"], 5000);
    assert_eq!(f["average_cycle_days"], 4.0);
    assert_eq!(f["open_deals"], 3);
    // 3 open deals x 1000 average won x 50 % / 4 days
    assert_eq!(f["velocity_per_day"], json!({"amount": 375, "currency": "CNY"}));
    assert_eq!(f["negotiation_stage_id"], s2);
    let rounds = f["by_negotiation_rounds"].as_array().unwrap();
    assert_eq!(
        (
            rounds[0]["rounds"].as_u64(),
            rounds[0]["closed"].as_u64(),
            rounds[0]["won"].as_u64()
        ),
        (Some(0), Some(1), Some(0))
    );
    assert_eq!(
        (rounds[1]["closed"].as_u64(), rounds[1]["won"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(rounds[1]["close_rate_bp"], 10_000);
    // the same period given as dates
    let same = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline_id={p}&from=2026-11-01&to=2026-11-30"
        ))
        .bearer(&t.admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(same["stages"], f["stages"]);
    // every way of reading the histories gives the same funnel
    let (from, to) = (
        "2026-10-31T16:00:00Z".parse().unwrap(),
        "2026-11-30T16:00:00Z".parse().unwrap(),
    );
    let question = persistence::reports::FunnelQuery {
        pipeline: Some(p),
        ..Default::default()
    };
    for scope in [
        domain::scope::DataScope::All,
        domain::scope::DataScope::Own { user_id: t.li.id },
    ] {
        let funnel = |lookup_limit: usize, split: bool, from_paths: bool| {
            let reading = persistence::reports::Reading {
                lookup_limit,
                split_from: 0,
                from_paths,
            };
            app.db(|conn| {
                app.db(|other| {
                    let helper = split.then_some(other);
                    persistence::reports::funnel_with(conn, helper, &scope, &question, "CNY", (from, to), reading)
                })
            })
            .unwrap()
            .funnel
        };
        // the oracle: each deal's stage_changes, read in one pass
        let read = funnel(0, false, false);
        assert_eq!((read.stages[0].entered, read.stages[0].advanced), (4, 2));
        // looked up deal by deal, or half of the deals read on a second
        // connection, on another thread; from stage_changes or from each
        // deal's path (kept by triggers, here through the backdating
        // UPDATEs of the setup too)
        for from_paths in [false, true] {
            for (lookup_limit, split) in [(usize::MAX, false), (0, false), (usize::MAX, true), (0, true)] {
                let other = funnel(lookup_limit, split, from_paths);
                assert_eq!(other, read, "{scope:?} {lookup_limit} {split} {from_paths}");
            }
        }
    }
    // another team's rep sees none of it; December saw no entries
    let theirs = app.get(&url).bearer(&t.wang.token).send().expect(200).json();
    assert_eq!(
        (theirs["open_deals"].as_u64(), theirs["stages"][0]["entered"].as_u64()),
        (Some(0), Some(0))
    );
    let december = app
        .get(&format!(
            "/api/v1/reports/funnel?pipeline_id={p}&period=month&date=2026-12-01"
        ))
        .bearer(li)
        .send()
        .expect(200)
        .json();
    assert_eq!(december["stages"][0]["entered"], 0);
    assert_eq!(december["stages"][0]["conversion_bp"], Value::Null);
    assert_eq!(december["win_rate_bp"], Value::Null);
    assert_eq!(december["open_deals"], 3);
    // bad parameters are named
    for (query, field) in [
        ("period=fortnight", "period"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("from=2026-11-01", "to"),
        ("pipeline_id=999999", "pipeline_id"),
        ("negotiation_stage_id=999999", "negotiation_stage_id"),
    ] {
        let p = app
            .get(&format!("/api/v1/reports/funnel?{query}"))
            .bearer(li)
            .send()
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{query}");
    }
    let p = app
        .get("/api/v1/reports/funnel?colour=red")
        .bearer(li)
        .send()
        .problem(400, "invalid_query");
    assert_eq!(p["errors"][0]["field"], "colour");
}

/// Each deal's path (the funnel's copy of its stage history) follows what is
/// stored in stage_changes: a move appends to it, and an edit or a delete of
/// a stored change (never made by the server) rebuilds it in time order.
#[test]
fn a_deals_path_follows_its_stage_changes() {
    use diesel::prelude::*;
    use persistence::schema::{activities, deal_paths, stage_changes};
    let app = TestApp::spawn();
    let t = team(&app);
    let li = &t.li.token;
    let (p, s1, s2, won, _) = pipeline(&app, &t.admin);
    let a = deal(&app, li, p, "路径公司", Some(1000));
    go(&app, li, a, s2, json!({}));
    go(&app, li, a, s1, json!({}));
    go(&app, li, a, s2, json!({}));
    go(&app, li, a, won, json!({}));
    // each change dated: 2026-01-01, -02, ... in the order made
    let ids: Vec<i64> = app.db(|conn| {
        stage_changes::table
            .filter(stage_changes::opportunity_id.eq(a))
            .order(stage_changes::id)
            .select(stage_changes::id)
            .load(conn)
            .unwrap()
    });
    for (i, id) in ids.iter().enumerate() {
        app.sql(&format!(
            "UPDATE stage_changes SET changed_at = '2026-01-0{} 00:00:00' WHERE id = {id}",
            i + 1
        ));
    }
    // the path's steps, in its order, beside the stored changes' by time,
    // each with the live activities of its deal during its stay
    let read = || {
        app.db(|conn| {
            let (path, last_at): (String, chrono::NaiveDateTime) = deal_paths::table
                .find(a)
                .select((deal_paths::path, deal_paths::last_at))
                .first(conn)
                .unwrap();
            let latest: Option<chrono::NaiveDateTime> = stage_changes::table
                .filter(stage_changes::opportunity_id.eq(a))
                .select(diesel::dsl::max(stage_changes::changed_at))
                .first(conn)
                .unwrap();
            assert_eq!(Some(last_at), latest, "the path's last change is the latest stored");
            let changes: Vec<(i64, Option<i64>, i64, chrono::NaiveDateTime)> = stage_changes::table
                .filter(stage_changes::opportunity_id.eq(a))
                .order((stage_changes::changed_at, stage_changes::id))
                .select((
                    stage_changes::to_stage_id,
                    stage_changes::from_stage_id,
                    stage_changes::seconds_in_from,
                    stage_changes::changed_at,
                ))
                .load(conn)
                .unwrap();
            let acts: Vec<chrono::NaiveDateTime> = activities::table
                .filter(activities::opportunity_id.eq(a))
                .filter(activities::deleted_at.is_null())
                .select(activities::occurred_at)
                .load(conn)
                .unwrap();
            let stored: Vec<(i64, Option<i64>, i64, usize)> = changes
                .iter()
                .enumerate()
                .map(|(i, (to, from, seconds, at))| {
                    let next = changes.get(i + 1).map(|n| n.3);
                    let inside = acts.iter().filter(|t| *t >= at && next.is_none_or(|e| **t < e)).count();
                    (*to, *from, *seconds, inside)
                })
                .collect();
            let steps: Vec<(i64, Option<i64>, i64, usize)> = path
                .split(';')
                .map(|step| {
                    let f: Vec<&str> = step.split(',').collect();
                    assert_eq!(f.len(), 5, "{path}");
                    (
                        f[0].parse().unwrap(),
                        f[1].parse().ok(),
                        f[3].parse().unwrap(),
                        f[4].parse().unwrap(),
                    )
                })
                .collect();
            (steps, stored)
        })
    };
    let (steps, stored) = read();
    assert_eq!(steps, stored);
    assert_eq!(steps.iter().map(|s| s.0).collect::<Vec<_>>(), vec![s1, s2, s1, s2, won]);
    // activities logged in the stays (one at a change's very instant, one
    // before the first change), then edited, deleted, restored, moved to
    // another deal and removed: the path counts the live ones of each stay
    let b = deal(&app, li, p, "旧路径公司", Some(500));
    for at in [
        "2025-12-31 00:00:00",
        "2026-01-01 12:00:00",
        "2026-01-02 00:00:00",
        "2026-01-03 06:00:00",
        "2026-01-03 07:00:00",
        "2026-03-01 00:00:00",
    ] {
        activity(&app, li, a, at);
    }
    let (steps, stored) = read();
    assert_eq!(steps, stored);
    assert_eq!(steps.iter().map(|s| s.3).collect::<Vec<_>>(), vec![1, 1, 2, 0, 1]);
    let at = |t: &str| format!("opportunity_id = {a} AND occurred_at = '{t}'");
    for (edit, counts) in [
        (
            format!(
                "UPDATE activities SET occurred_at = '2026-01-04 01:00:00' WHERE {}",
                at("2026-01-03 07:00:00")
            ),
            [1, 1, 1, 1, 1],
        ),
        (
            format!(
                "UPDATE activities SET deleted_at = '2026-02-01 00:00:00' WHERE {}",
                at("2026-01-02 00:00:00")
            ),
            [1, 0, 1, 1, 1],
        ),
        (
            format!(
                "UPDATE activities SET deleted_at = NULL WHERE {}",
                at("2026-01-02 00:00:00")
            ),
            [1, 1, 1, 1, 1],
        ),
        (
            format!(
                "UPDATE activities SET opportunity_id = {b}, occurred_at = '2030-01-01 00:00:00' WHERE {}",
                at("2026-01-03 06:00:00")
            ),
            [1, 1, 0, 1, 1],
        ),
        (
            format!("DELETE FROM activities WHERE {}", at("2026-03-01 00:00:00")),
            [1, 1, 0, 1, 0],
        ),
        // not a counted column: nothing moves
        (
            format!("UPDATE activities SET outcome = '改' WHERE opportunity_id = {a}"),
            [1, 1, 0, 1, 0],
        ),
    ] {
        app.sql(&edit);
        let (steps, stored) = read();
        assert_eq!(steps, stored, "{edit}");
        assert_eq!(steps.iter().map(|s| s.3).collect::<Vec<_>>(), counts, "{edit}");
    }
    // the activity moved to `b` (and dated after its creation, its one
    // change so far): counted in `b`'s path
    let b_path: String = app.db(|conn| deal_paths::table.find(b).select(deal_paths::path).first(conn).unwrap());
    assert!(b_path.ends_with(",1"), "{b_path}");
    // the first move into 2 dated last: the rebuilt path puts it last
    app.sql(&format!(
        "UPDATE stage_changes SET changed_at = '2030-01-01 00:00:00', seconds_in_from = 7 \
         WHERE id = (SELECT MIN(id) FROM stage_changes WHERE opportunity_id = {a} AND to_stage_id = {s2})"
    ));
    let (steps, stored) = read();
    assert_eq!(steps, stored);
    assert_eq!(steps.last().map(|s| (s.0, s.1, s.2)), Some((s2, Some(s1), 7)));
    // the win deleted: gone from the path
    app.sql(&format!(
        "DELETE FROM stage_changes WHERE opportunity_id = {a} AND to_stage_id = {won}"
    ));
    let (steps, stored) = read();
    assert_eq!(steps, stored);
    assert_eq!(steps.len(), 4);
    assert!(steps.iter().all(|s| s.0 != won), "{steps:?}");
    // a deal that last moved in 2025: left out of the paths read for a
    // later period (by `last_at`), and the funnels agree with the record
    go(&app, li, b, s2, json!({}));
    app.sql(&format!(
        "UPDATE stage_changes SET changed_at = '2025-06-01 00:00:00' WHERE opportunity_id = {b}"
    ));
    let question = persistence::reports::FunnelQuery {
        pipeline: Some(p),
        ..Default::default()
    };
    // the funnel over `period`, its histories read from the record (`raw`)
    // or the paths, looked up deal by deal up to `lookup_limit` deals
    let funnel = |period, raw: bool, lookup_limit: usize| {
        let reading = persistence::reports::Reading {
            lookup_limit,
            split_from: usize::MAX,
            from_paths: !raw,
        };
        app.db(|conn| {
            persistence::reports::funnel_with(
                conn,
                None,
                &domain::scope::DataScope::All,
                &question,
                "CNY",
                period,
                reading,
            )
        })
    };
    for (from, to, entered) in [
        ("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 1),
        ("2026-01-01T00:00:00Z", "2031-01-01T00:00:00Z", 1),
    ] {
        let period = (from.parse().unwrap(), to.parse().unwrap());
        let funnel = |raw, lookup_limit| funnel(period, raw, lookup_limit).unwrap().funnel;
        let record = funnel(true, 0);
        assert_eq!(record.stages[1].entered, entered, "{from}");
        assert_eq!(funnel(false, 0), record, "{from}");
        assert_eq!(funnel(false, usize::MAX), record, "{from}");
    }
    // a path that does not read (edited by hand) fails naming its deal,
    // looked up or read by range
    app.sql(&format!(
        "UPDATE deal_paths SET path = '{s2},x' WHERE opportunity_id = {b}"
    ));
    let period = (
        "2025-01-01T00:00:00Z".parse().unwrap(),
        "2026-01-01T00:00:00Z".parse().unwrap(),
    );
    for lookup_limit in [0, usize::MAX] {
        match funnel(period, false, lookup_limit) {
            Err(persistence::reports::FunnelError::Repo(persistence::RepoError::Corrupt(m))) => {
                assert_eq!(m, format!("stage path of deal {b}: {s2},x"));
            }
            other => panic!("{other:?}"),
        }
    }
}
