//! The kept activity counts (`activity_days`, by triggers) against a count
//! of the records, after every kind of write the table can see, over
//! periods cut in several time zones.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::calendar::{Dates, day_start, zone};
use persistence::reports::activity_counts::{counts, recount};

use super::*;

const KINDS: [&str; 6] = ["call", "email", "meeting", "visit", "wechat", "note"];

/// 600 activities over 2026-02-27..2026-03-10 at times that fall on and
/// around UTC midnights (some with fractions of a second), then edited,
/// moved, deleted, restored and removed.
#[test]
fn kept_counts_match_the_records_in_every_zone() {
    let app = TestApp::spawn();
    let t = team(&app);
    let third = app.user(&t.admin, "zhao@example.com", "rep", Some(t.east));
    let authors = [t.li.id, t.wang.id, third.id];
    let start: DateTime<Utc> = "2026-02-27T00:00:00Z".parse().unwrap();
    let mut rows = Vec::new();
    for i in 0..600i64 {
        // steps of 31 min 7.25 s, so times land on every quarter hour's
        // neighbourhood and now and then on a UTC midnight exactly
        let at = start + Duration::milliseconds(i * 1_867_250 % (11 * 86_400_000));
        let at = if i % 50 == 0 {
            at.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc()
        } else {
            at
        };
        let author = authors[usize::try_from(i % 3).unwrap()];
        let kind = KINDS[usize::try_from(i % 6).unwrap()];
        rows.push(format!(
            "({i} + 1000, '{kind}', '{}', {author}, '2026-02-01 00:00:00', {})",
            at.format("%Y-%m-%d %H:%M:%S%.f"),
            if i % 23 == 0 { "'2026-03-01 00:00:00'" } else { "NULL" }
        ));
    }
    app.sql(&format!(
        "INSERT INTO activities (id, kind, occurred_at, created_by, created_at, deleted_at) VALUES {}",
        rows.join(", ")
    ));
    // edits of every column the counts depend on, and of one they do not
    for statement in [
        "UPDATE activities SET occurred_at = '2026-03-04 23:59:59.999' WHERE id % 7 = 0 AND id >= 1000",
        "UPDATE activities SET kind = 'visit' WHERE id % 11 = 0 AND id >= 1000",
        "UPDATE activities SET subject = 'edited' WHERE id % 3 = 0 AND id >= 1000",
        "UPDATE activities SET deleted_at = '2026-03-05 00:00:00' WHERE id % 5 = 0 AND id >= 1000",
        "UPDATE activities SET deleted_at = NULL WHERE id % 10 = 0 AND id >= 1000",
        "UPDATE activities SET created_by = NULL WHERE id % 19 = 0 AND id >= 1000",
        "DELETE FROM activities WHERE id % 17 = 0 AND id >= 1000",
    ] {
        app.sql(statement);
    }
    let moved = format!(
        "UPDATE activities SET created_by = {} WHERE id % 13 = 0 AND id >= 1000",
        t.wang.id
    );
    app.sql(&moved);
    let live = app.count("SELECT COUNT(*) AS n FROM activities WHERE deleted_at IS NULL AND created_by IS NOT NULL");
    assert!(live > 400, "{live}");
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let zones = [
        "UTC",
        "Asia/Shanghai",
        "Asia/Kathmandu",
        "America/New_York",
        "Australia/Adelaide",
    ];
    let mut periods: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for name in zones {
        let tz = zone(name).unwrap();
        for (first, end) in [(1, 2), (4, 5), (2, 9), (1, 11), (5, 6)] {
            let dates = Dates {
                start: day(first),
                end: day(end),
            };
            periods.push(dates.instants(tz));
        }
        periods.push((day_start(day(1), tz) - Duration::days(3), day_start(day(10), tz)));
    }
    // an instant period and an empty one
    periods.push((
        "2026-03-04T23:59:59.999Z".parse().unwrap(),
        "2026-03-05T00:00:00Z".parse().unwrap(),
    ));
    periods.push((
        "2026-03-05T00:00:00Z".parse().unwrap(),
        "2026-03-05T00:00:00Z".parse().unwrap(),
    ));
    let visits_and_calls = ["visit", "call"];
    app.db(|conn| {
        let mut total = 0;
        for period in &periods {
            for kinds in [None, Some(&visits_and_calls[..])] {
                let kept = counts(conn, &authors, *period, kinds).unwrap();
                let mut counted = recount(conn, &authors, *period, kinds).unwrap();
                counted.retain(|_, n| *n != 0);
                assert_eq!(kept, counted, "{period:?} {kinds:?}");
                total += kept.values().sum::<i64>();
            }
        }
        assert!(total > 1_000, "{total}");
        // the whole span, every author: each live activity once
        let all = counts(
            conn,
            &authors,
            (
                "2026-01-01T00:00:00Z".parse().unwrap(),
                "2027-01-01T00:00:00Z".parse().unwrap(),
            ),
            None,
        )
        .unwrap();
        assert_eq!(all.values().sum::<i64>(), live);
    });
}
