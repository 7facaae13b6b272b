//! Attachments on customers, deals and contracts.

use crm_tests::{CustomerBuilder, TestApp};
use serde_json::json;

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 })
            .sum()
    })
}

#[test]
fn a_file_is_uploaded_listed_downloaded_in_scope_and_deleted() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let east = app.create_department(&admin, "华东", None);
    let north = app.create_department(&admin, "华北", None);
    let li = app.user(&admin, "li@example.com", "rep", Some(east));
    let wang = app.user(&admin, "wang@example.com", "rep", Some(north));
    let customer = CustomerBuilder::new("附件测试有限公司").create(&app, &li.token);
    let cid = customer["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.4\n\x00\x01 binary \xff\xfe content";

    let created = app
        .post(&format!(
            "/api/v1/customers/{cid}/attachments?file_name=..%2F%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf"
        ))
        .bearer(&li.token)
        .bytes("application/pdf", pdf)
        .expect(201);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/attachments/{id}").as_str())
    );
    let a = created.json();
    assert_eq!(a["file_name"], "报价单.pdf", "path parts are dropped");
    assert_eq!(a["size_bytes"], pdf.len());
    assert_eq!(a["attached_to"], "customer");

    let list = app
        .get(&format!("/api/v1/customers/{cid}/attachments"))
        .bearer(&li.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, headers, body) = app
        .get(&format!("/api/v1/attachments/{id}/content"))
        .bearer(&li.token)
        .send_bytes();
    assert_eq!(status, 200);
    assert_eq!(body, pdf, "the bytes come back unchanged");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/pdf"));
    assert!(
        header("content-disposition")
            .unwrap()
            .contains("UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf")
    );
    assert_eq!(files_under(&app.data_dir), 1);

    // another team sees nothing of it
    for path in [
        format!("/api/v1/attachments/{id}/content"),
        format!("/api/v1/attachments/{id}"),
        format!("/api/v1/customers/{cid}/attachments"),
    ] {
        app.get(&path).bearer(&wang.token).send().problem(404, "not_found");
    }
    app.post(&format!("/api/v1/customers/{cid}/attachments?file_name=x.pdf"))
        .bearer(&wang.token)
        .bytes("application/pdf", pdf)
        .problem(404, "not_found");
    app.delete(&format!("/api/v1/attachments/{id}"))
        .bearer(&wang.token)
        .send()
        .problem(404, "not_found");

    // limits are organisation settings: over the size is 413, another type 415
    app.req("PUT", "/api/v1/settings/attachments")
        .bearer(&admin)
        .json(&json!({"max_bytes": 1024, "allowed_types": ["application/pdf", "image/*"]}))
        .expect(200);
    let p = app
        .post(&format!("/api/v1/customers/{cid}/attachments?file_name=big.pdf"))
        .bearer(&li.token)
        .bytes("application/pdf", &vec![b'x'; 2048])
        .problem(413, "body_too_large");
    assert!(p["detail"].as_str().unwrap().contains("1024"), "{p}");
    app.post(&format!("/api/v1/customers/{cid}/attachments?file_name=setup.exe"))
        .bearer(&li.token)
        .bytes("application/x-msdownload", b"MZ")
        .problem(415, "unsupported_media_type");
    app.post(&format!("/api/v1/customers/{cid}/attachments?file_name=photo.png"))
        .bearer(&li.token)
        .bytes("image/png", b"\x89PNG")
        .expect(201);
    app.req("PUT", "/api/v1/settings/attachments")
        .bearer(&li.token)
        .json(&json!({"max_bytes": 1, "allowed_types": []}))
        .problem(403, "forbidden");
    let p = app
        .req("PUT", "/api/v1/settings/attachments")
        .bearer(&admin)
        .json(&json!({"max_bytes": 0, "allowed_types": []}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "max_bytes");

    // deals take files too
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&li.token)
        .json(&json!({"customer_id": cid, "title": "附件商机"}))
        .expect(201)
        .json();
    app.post(&format!(
        "/api/v1/opportunities/{}/attachments?file_name=方案.pdf",
        deal["id"]
    ))
    .bearer(&li.token)
    .bytes("application/pdf", pdf)
    .expect(201);

    app.delete(&format!("/api/v1/attachments/{id}"))
        .bearer(&li.token)
        .send()
        .expect(204);
    app.get(&format!("/api/v1/attachments/{id}/content"))
        .bearer(&li.token)
        .send()
        .problem(404, "not_found");
    assert_eq!(
        files_under(&app.data_dir),
        2,
        "the deleted file is gone, the others stay"
    );
}
