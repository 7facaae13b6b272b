//! Unit tests of `persistence::stamp`: the hand parser agrees with chrono on
//! what it accepts and refuses the rest, and a stored timestamp reads back.

use chrono::NaiveDateTime;
use crm_tests::TestApp;
use persistence::stamp::{Stamp, parse};

#[test]
fn the_stored_forms_parse_as_chrono_parses_them() {
    for text in [
        "2026-11-29 06:30:01",
        "2026-11-29T06:30:01",
        "2026-02-28 23:59:59.5",
        "2026-02-28 23:59:59.123456",
        "2024-02-29 00:00:00.000000001",
        "1999-12-31 23:59:59.999999999",
    ] {
        let chrono = NaiveDateTime::parse_from_str(&text.replace('T', " "), "%F %T%.f").unwrap();
        assert_eq!(parse(text), Some(chrono), "{text}");
    }
}

#[test]
fn anything_else_is_left_to_chrono() {
    for text in [
        "",
        "2026-11-29",
        "2026-11-29 06:30",
        "2026-11-29 06:30:01Z",
        "2026-11-29 06:30:01+08:00",
        "2026-11-29 06:30:01.",
        "2026-11-29 06:30:01.1234567890",
        "2026-02-30 00:00:00",
        "2026-11-29 24:00:00",
        "2026-1x-29 06:30:01",
        "２０２６-11-29 06:30:01",
    ] {
        assert_eq!(parse(text), None, "{text}");
    }
}

#[test]
fn a_stored_timestamp_reads_back_through_either_backend() {
    use diesel::prelude::*;
    use persistence::schema::stage_changes;
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let customer = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&serde_json::json!({"name": "时间戳科技有限公司"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    app.post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&serde_json::json!({"customer_id": customer, "title": "读回"}))
        .expect(201);
    let (plain, fast): (NaiveDateTime, Stamp) = app.db(|conn| {
        stage_changes::table
            .select((stage_changes::changed_at, stage_changes::changed_at))
            .first(conn)
            .unwrap()
    });
    assert_eq!(fast, Stamp(plain));
    assert_eq!(fast.utc(), plain.and_utc());
}
