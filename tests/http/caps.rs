//! Daily caps on customer records read in detail and rows exported (#14
//! item 11): a leaving rep cannot walk off with the list.

use std::io::{Read, Write};

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn a_rep_reaches_the_daily_caps_on_detail_reads_and_exported_rows() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let defaults = app
        .get("/api/v1/settings/data-guard")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(defaults["rep"]["detail_reads_per_day"], 500);
    assert_eq!(defaults["manager"]["export_rows_per_day"], serde_json::Value::Null);
    app.req("PUT", "/api/v1/settings/data-guard")
        .bearer(&admin)
        .json(&json!({"rep": {"detail_reads_per_day": 2, "export_rows_per_day": 3},
                      "manager": {"detail_reads_per_day": null, "export_rows_per_day": null}}))
        .expect(200);
    let rep = app.user(&admin, "rep@example.com", "rep", None);
    app.get("/api/v1/settings/data-guard")
        .bearer(&rep.token)
        .send()
        .problem(403, "forbidden");
    let rows: Vec<serde_json::Value> = (0..5).map(|i| json!({"name": format!("上限客户{i}")})).collect();
    let imported = app
        .post("/api/v1/customers/import")
        .bearer(&rep.token)
        .body("application/json", &serde_json::Value::Array(rows).to_string())
        .expect(200)
        .json();
    let id = |i: usize| imported["rows"][i]["customer_id"].as_i64().unwrap();

    // what the rep may not see is 404 and not counted
    app.get("/api/v1/customers/987654321")
        .bearer(&rep.token)
        .send()
        .problem(404, "not_found");
    app.get(&format!("/api/v1/customers/{}", id(0)))
        .bearer(&rep.token)
        .send()
        .expect(200);
    app.get(&format!("/api/v1/customers/{}", id(1)))
        .bearer(&rep.token)
        .send()
        .expect(200);
    let over = app
        .get(&format!("/api/v1/customers/{}", id(2)))
        .bearer(&rep.token)
        .send();
    let retry: i64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 86_400, "until the next day: {retry}");
    let p = over.problem(429, "daily_cap_reached");
    assert_eq!(p["errors"][0]["field"], "detail_reads_per_day");
    // lists still work, and the admin is never capped
    app.get("/api/v1/customers").bearer(&rep.token).send().expect(200);
    for i in 0..5 {
        app.get(&format!("/api/v1/customers/{}", id(i)))
            .bearer(&admin)
            .send()
            .expect(200);
    }

    // an export the cap cuts: at most three rows go out, then the transfer
    // fails, so no client takes a short file for the whole list
    let mut s = std::net::TcpStream::connect(("127.0.0.1", app.port)).unwrap();
    write!(
        s,
        "GET /api/v1/customers/export HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nAccept: application/x-ndjson\r\nConnection: close\r\n\r\n",
        rep.token
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.matches("上限客户").count() <= 3, "never more than the cap: {text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "the transfer does not end cleanly: {text}"
    );

    // the cap is used up: the next export is refused before it starts
    app.get("/api/v1/customers/export")
        .bearer(&rep.token)
        .send()
        .problem(429, "daily_cap_reached");
    let audit = app
        .get("/api/v1/audit?entity=export")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(audit["data"][0]["detail"]["rows"], 3);
    assert_eq!(audit["data"][0]["detail"]["complete"], false);
}
