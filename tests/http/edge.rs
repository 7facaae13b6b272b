//! What browsers and mobile clients get at the edge (#13 items 2 and 7): CORS
//! for allowed origins, gzip when asked, 304 for an unchanged read, problem
//! details in Chinese.

use std::io::Read;

use crm_tests::{CustomerBuilder, TestApp};
use serde_json::json;

const APP: &str = "https://app.example.com";

#[test]
fn cors_answers_allowed_origins_only() {
    let app = TestApp::spawn_with(|c| {
        c.cors_origins = api::edge::CorsOrigins::parse(&format!("{APP}, http://localhost:5173")).unwrap();
    });
    let admin = app.admin_token();
    let preflight = |origin: &str| {
        app.req("OPTIONS", "/api/v1/customers")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let ok = preflight(APP).expect(204);
    assert_eq!(ok.header("access-control-allow-origin"), Some(APP));
    let methods = ok.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST") && methods.contains("PATCH"), "{methods}");
    let allowed_headers = ok.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
    for h in ["authorization", "content-type", "idempotency-key", "if-match"] {
        assert!(allowed_headers.contains(h), "{h} not in {allowed_headers}");
    }
    assert_eq!(ok.header("access-control-allow-credentials"), None);

    let other = preflight("https://evil.example.com");
    assert_ne!(other.status, 204);
    assert_eq!(other.header("access-control-allow-origin"), None);

    // a real request from the page can read the ETag and Location
    let created = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Origin", APP)
        .json(&json!({"name": "跨域测试科技有限公司"}))
        .expect(201);
    assert_eq!(created.header("access-control-allow-origin"), Some(APP));
    let exposed = created.header("access-control-expose-headers").unwrap();
    assert!(exposed.contains("ETag") && exposed.contains("Location"), "{exposed}");
    let from_other = app
        .get("/api/v1/customers")
        .bearer(&admin)
        .header("Origin", "https://evil.example.com")
        .send()
        .expect(200);
    assert_eq!(from_other.header("access-control-allow-origin"), None);
    assert_eq!(from_other.header("access-control-expose-headers"), None);
}

#[test]
fn no_cors_by_default_but_the_public_form_stays_open() {
    let app = TestApp::spawn();
    let res = app
        .req("OPTIONS", "/api/v1/customers")
        .header("Origin", APP)
        .header("Access-Control-Request-Method", "GET")
        .send();
    assert_eq!(res.header("access-control-allow-origin"), None);
    let form = app
        .req("OPTIONS", "/api/v1/forms/any-key/submissions")
        .header("Origin", "https://landing.example.org")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .expect(204);
    assert_eq!(form.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn lists_are_compressed_when_the_client_asks() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for i in 0..30 {
        CustomerBuilder::new(&format!("压缩测试{i:02}贸易有限公司"))
            .with("industry", json!("manufacturing"))
            .create(&app, &admin);
    }
    let plain = app.get("/api/v1/customers?limit=50").bearer(&admin).send().expect(200);
    assert_eq!(plain.header("content-encoding"), None);
    let (status, headers, body) = app
        .get("/api/v1/customers?limit=50")
        .bearer(&admin)
        .header("Accept-Encoding", "gzip")
        .send_bytes();
    assert_eq!(status, 200);
    let encoding = headers
        .iter()
        .find(|(n, _)| n == "content-encoding")
        .map(|(_, v)| v.as_str());
    assert_eq!(encoding, Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .unwrap();
    let page: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 30);
    assert!(
        body.len() * 3 < plain.body.len(),
        "gzip {} bytes vs {} plain",
        body.len(),
        plain.body.len()
    );
}

#[test]
fn an_unchanged_record_answers_304() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let c = CustomerBuilder::new("缓存验证有限公司").create(&app, &admin);
    let path = format!("/api/v1/customers/{}", c["id"]);
    let first = app.get(&path).bearer(&admin).send().expect(200);
    let etag = first.header("etag").unwrap().to_owned();
    let again = app
        .get(&path)
        .bearer(&admin)
        .header("If-None-Match", &etag)
        .send()
        .expect(304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    app.patch(&path)
        .bearer(&admin)
        .header("If-Match", &etag)
        .json(&json!({"grade": "A"}))
        .expect(200);
    let changed = app
        .get(&path)
        .bearer(&admin)
        .header("If-None-Match", &etag)
        .send()
        .expect(200);
    assert_eq!(changed.json()["grade"], "A");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    // another caller's 404 stays a 404 whatever they send
    let stranger = app.user(&admin, "stranger@example.com", "rep", None);
    app.get(&path)
        .bearer(&stranger.token)
        .header("If-None-Match", "*")
        .send()
        .problem(404, "not_found");
}

#[test]
fn problems_in_chinese_when_asked() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    CustomerBuilder::new("北京字节跳动科技有限公司").create(&app, &admin);
    let res = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
        .json(&json!({"name": "北京字节跳动科技有限公司"}));
    let p = res.problem(409, "customer_exists");
    assert_eq!(p["title"], "冲突");
    assert!(p["detail"].as_str().unwrap().contains("撞单"), "{p}");
    assert!(p["context"]["existing"]["id"].is_i64(), "context kept: {p}");
    assert_eq!(res.header("content-language"), Some("zh-CN"));

    let invalid = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Accept-Language", "zh-CN")
        .json(&json!({"name": "有效名称有限公司", "grade": "Z"}));
    let p = invalid.problem(422, "validation_failed");
    assert_eq!(p["title"], "无法处理的内容");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("字段无效") && detail.contains("grade"), "{detail}");
    assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == "grade"));

    // English stays the default
    let en = app
        .post("/api/v1/customers")
        .bearer(&admin)
        .header("Accept-Language", "en-US,zh-CN;q=0.5")
        .json(&json!({"name": "北京字节跳动科技有限公司"}));
    let p = en.problem(409, "customer_exists");
    assert_eq!(p["title"], "Conflict");
    assert!(p["detail"].as_str().unwrap().is_ascii() || !p["detail"].as_str().unwrap().contains("撞单"));
}

#[test]
fn metrics_count_the_sql_statements_sent() {
    let app = TestApp::spawn();
    let read = |app: &TestApp| -> u64 {
        let r = app.get("/metrics").send().expect(200);
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/plain")));
        r.body
            .lines()
            .find_map(|l| l.strip_prefix("crm_sql_statements_total "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no counter in {}", r.body))
    };
    let before = read(&app);
    let admin = app.admin_token();
    app.get("/api/v1/customers").bearer(&admin).send().expect(200);
    assert!(read(&app) > before, "a sign-in and a list send SQL");
}
