//! Custom fields an admin adds, and picklist kinds.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn a_custom_select_field_is_checked_shown_filtered_and_exported() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let define = |body: serde_json::Value| {
        app.post("/api/v1/custom-fields")
            .bearer(&admin)
            .json(&body)
            .expect(201)
            .json()
    };
    let level = define(
        json!({"entity": "customer", "key": "level", "label": "客户级别", "kind": "select",
                               "options": ["金牌", "银牌"]}),
    );
    define(json!({"entity": "customer", "key": "headcount", "label": "员工数", "kind": "number"}));
    define(json!({"entity": "customer", "key": "founded", "label": "成立日期", "kind": "date"}));
    let p = app
        .post("/api/v1/custom-fields")
        .bearer(&admin)
        .json(&json!({"entity": "customer", "key": "level", "label": "again", "kind": "text"}))
        .problem(409, "code_taken");
    assert_eq!(p["errors"][0]["field"], "key");
    let p = app
        .post("/api/v1/custom-fields")
        .bearer(&admin)
        .json(&json!({"entity": "planet", "key": "Bad Key", "label": "x", "kind": "select"}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["entity", "key", "options"]);
    let rep = app.user(&admin, "rep@example.com", "rep", None);
    app.post("/api/v1/custom-fields")
        .bearer(&rep.token)
        .json(&json!({"entity": "customer", "key": "x", "label": "x", "kind": "text"}))
        .problem(403, "forbidden");

    // an unknown option is 422 naming the field
    let p = app
        .post("/api/v1/customers")
        .bearer(&rep.token)
        .json(&json!({"name": "自定义字段一号", "custom_fields": {"level": "铜牌", "colour": "red"}}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["custom_fields.colour", "custom_fields.level"]);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM customers"),
        0,
        "nothing half-written"
    );

    let gold = app
        .post("/api/v1/customers")
        .bearer(&rep.token)
        .json(&json!({"name": "自定义字段一号", "custom_fields": {"level": "金牌", "headcount": 120, "founded": "2001-09-01"}}))
        .expect(201)
        .json();
    assert_eq!(
        gold["custom_fields"],
        json!({"level": "金牌", "headcount": 120.0, "founded": "2001-09-01"})
    );
    let silver = app
        .post("/api/v1/customers")
        .bearer(&rep.token)
        .json(&json!({"name": "自定义字段二号", "custom_fields": {"level": "银牌", "headcount": 30}}))
        .expect(201)
        .json();
    app.post("/api/v1/customers")
        .bearer(&rep.token)
        .json(&json!({"name": "没有自定义字段"}))
        .expect(201);

    let names = |query: &str| -> Vec<String> {
        app.get(&format!("/api/v1/customers?{query}"))
            .bearer(&rep.token)
            .send()
            .expect(200)
            .json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names("custom_field=level&custom_eq=%E9%87%91%E7%89%8C"),
        ["自定义字段一号"]
    );
    assert_eq!(names("custom_field=headcount&custom_from=50"), ["自定义字段一号"]);
    assert_eq!(names("custom_field=headcount&custom_to=50"), ["自定义字段二号"]);
    assert_eq!(
        names("custom_field=founded&custom_from=2000-01-01&custom_to=2001-12-31"),
        ["自定义字段一号"]
    );
    app.get("/api/v1/customers?custom_field=level&custom_from=1")
        .bearer(&rep.token)
        .send()
        .problem(400, "invalid_query");
    app.get("/api/v1/customers?custom_field=nope&custom_eq=1")
        .bearer(&rep.token)
        .send()
        .problem(400, "invalid_query");

    // an update sets or clears one field and leaves the others
    let id = silver["id"].as_i64().unwrap();
    let changed = app
        .patch(&format!("/api/v1/customers/{id}"))
        .bearer(&rep.token)
        .json(&json!({"custom_fields": {"level": null, "headcount": 31}}))
        .expect(200)
        .json();
    assert_eq!(changed["custom_fields"], json!({"headcount": 31.0}));
    let read = app
        .get(&format!("/api/v1/customers/{id}"))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert_eq!(read["custom_fields"], json!({"headcount": 31.0}));

    // the export has a column per field
    let (_, _, body) = app.get("/api/v1/customers/export").bearer(&rep.token).send_bytes();
    let text = String::from_utf8(body).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|c| *c == "custom_fields.level")
        .expect("a level column");
    assert!(header.contains(&"custom_fields.headcount"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[at], "金牌");

    // every answer with the customer carries its values, e.g. a restore
    app.delete(&format!("/api/v1/customers/{}", gold["id"]))
        .bearer(&admin)
        .send()
        .expect(204);
    let restored = app
        .post(&format!("/api/v1/customers/{}/restore", gold["id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(restored["custom_fields"]["level"], "金牌", "{restored}");

    // a retired field is no longer shown or accepted
    app.patch(&format!("/api/v1/custom-fields/{}", level["id"]))
        .bearer(&admin)
        .json(&json!({"active": false}))
        .expect(200);
    let read = app
        .get(&format!("/api/v1/customers/{}", gold["id"]))
        .bearer(&rep.token)
        .send()
        .expect(200)
        .json();
    assert!(read["custom_fields"].get("level").is_none(), "{read}");
}

#[test]
fn an_admin_adds_a_picklist_kind() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.post("/api/v1/dictionaries/product_line")
        .bearer(&admin)
        .json(&json!({"code": "erp", "label_zh": "ERP", "label_en": "ERP"}))
        .problem(404, "not_found");
    app.post("/api/v1/dictionary-kinds")
        .bearer(&admin)
        .json(&json!({"kind": "product_line", "label_zh": "产品线", "label_en": "Product line"}))
        .expect(201);
    app.post("/api/v1/dictionary-kinds")
        .bearer(&admin)
        .json(&json!({"kind": "product_line", "label_zh": "产品线", "label_en": "Product line"}))
        .problem(409, "code_taken");
    app.post("/api/v1/dictionaries/product_line")
        .bearer(&admin)
        .json(&json!({"code": "erp", "label_zh": "ERP 系统", "label_en": "ERP"}))
        .expect(201);
    let entries = app
        .get("/api/v1/dictionaries/product_line")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(entries[0]["code"], "erp", "{entries}");
    let kinds = app
        .get("/api/v1/dictionary-kinds")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["industry", "region", "size_band", "source", "product_line"]);
}

/// Custom values come in with an import (JSON typed, CSV as text) and a bad
/// one makes only its row invalid.
#[test]
fn imports_carry_custom_values() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for body in [
        json!({"entity": "customer", "key": "level", "label": "级别", "kind": "select", "options": ["金牌", "银牌"]}),
        json!({"entity": "customer", "key": "headcount", "label": "员工数", "kind": "number"}),
        json!({"entity": "customer", "key": "vip", "label": "VIP", "kind": "boolean"}),
    ] {
        app.post("/api/v1/custom-fields").bearer(&admin).json(&body).expect(201);
    }
    let csv = "名称,custom_fields.level,custom_fields.headcount,custom_fields.vip\n\
               导入一号,金牌,120,是\n\
               导入二号,铜牌,30,否\n";
    let mapping = form_urlencoded::byte_serialize(json!({"名称": "name"}).to_string().as_bytes()).collect::<String>();
    let result = app
        .post(&format!("/api/v1/customers/import?mapping={mapping}"))
        .bearer(&admin)
        .body("text/csv", csv)
        .expect(200)
        .json();
    assert_eq!(result["rows"][0]["status"], "created", "{result}");
    assert_eq!(result["rows"][1]["status"], "invalid");
    assert_eq!(result["rows"][1]["errors"][0]["field"], "custom_fields.level");
    let first = app
        .get(&format!("/api/v1/customers/{}", result["rows"][0]["customer_id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(
        first["custom_fields"],
        json!({"level": "金牌", "headcount": 120.0, "vip": true})
    );

    let ndjson = format!("{}\n", json!({"name": "导入三号", "custom_fields": {"headcount": 7}}));
    let result = app
        .post("/api/v1/customers/import")
        .bearer(&admin)
        .body("application/x-ndjson", &ndjson)
        .expect(200)
        .json();
    let third = app
        .get(&format!("/api/v1/customers/{}", result["rows"][0]["customer_id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(third["custom_fields"], json!({"headcount": 7.0}));
}

/// Contacts, leads, deals and contracts take their own fields the same way.
#[test]
fn every_kind_of_record_takes_its_custom_fields() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    for entity in ["contact", "lead", "opportunity", "contract"] {
        app.post("/api/v1/custom-fields")
            .bearer(&admin)
            .json(&json!({"entity": entity, "key": "tier", "label": "层级", "kind": "select", "options": ["A", "B"]}))
            .expect(201);
    }
    app.post("/api/v1/custom-fields")
        .bearer(&admin)
        .json(&json!({"entity": "opportunity", "key": "budget", "label": "预算", "kind": "money", "required": true}))
        .expect(201);
    let customer = crm_tests::CustomerBuilder::new("四类记录有限公司").create(&app, &admin);
    let cid = customer["id"].as_i64().unwrap();
    let tier = |v: &serde_json::Value| v["custom_fields"]["tier"].clone();

    // contacts
    let p = app
        .post(&format!("/api/v1/customers/{cid}/contacts"))
        .bearer(&admin)
        .json(&json!({"name": "张总", "custom_fields": {"tier": "C"}}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "custom_fields.tier");
    let contact = app
        .post(&format!("/api/v1/customers/{cid}/contacts"))
        .bearer(&admin)
        .json(&json!({"name": "张总", "custom_fields": {"tier": "A"}}))
        .expect(201)
        .json();
    assert_eq!(tier(&contact), "A");
    let listed = app
        .get(&format!("/api/v1/customers/{cid}/contacts"))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(tier(&listed[0]), "A");

    // leads
    let lead = app
        .post("/api/v1/leads")
        .bearer(&admin)
        .json(&json!({"person_name": "李先生", "phone": "13900001111", "custom_fields": {"tier": "B"}}))
        .expect(201)
        .json();
    assert_eq!(tier(&lead), "B");
    let leads = app
        .get("/api/v1/leads?custom_field=tier&custom_eq=B")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(leads["data"].as_array().unwrap().len(), 1);
    let leads = app
        .get("/api/v1/leads?custom_field=tier&custom_eq=A")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(leads["data"].as_array().unwrap().len(), 0);
    let imported = app
        .post("/api/v1/leads/import")
        .bearer(&admin)
        .body(
            "application/x-ndjson",
            &format!(
                "{}\n{}\n",
                json!({"person_name": "导入甲", "phone": "13900002222", "custom_fields": {"tier": "A"}}),
                json!({"person_name": "导入乙", "phone": "13900003333", "custom_fields": {"tier": "Z"}})
            ),
        )
        .expect(200)
        .json();
    assert_eq!(imported["rows"][1]["status"], "invalid", "{imported}");
    assert_eq!(imported["rows"][1]["errors"][0]["field"], "custom_fields.tier");
    let first = app
        .get(&format!("/api/v1/leads/{}", imported["rows"][0]["lead_id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(tier(&first), "A");

    // deals: a required money field
    let p = app
        .post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&json!({"customer_id": cid, "title": "无预算"}))
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "custom_fields.budget");
    let deal = app
        .post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&json!({"customer_id": cid, "title": "有预算",
                      "custom_fields": {"budget": {"amount": 880000, "currency": "CNY"}, "tier": "A"}}))
        .expect(201)
        .json();
    assert_eq!(
        deal["custom_fields"]["budget"],
        json!({"amount": 880000, "currency": "CNY"})
    );
    let deals = app
        .get("/api/v1/opportunities?custom_field=budget&custom_from=500000")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(deals["data"][0]["id"], deal["id"]);
    let read = app
        .get(&format!("/api/v1/opportunities/{}", deal["id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(tier(&read), "A");

    // contracts
    let contract = app
        .post("/api/v1/contracts")
        .bearer(&admin)
        .json(
            &json!({"number": "HT-CF-1", "customer_id": cid, "title": "自定义字段合同",
                      "amount": {"amount": 100000, "currency": "CNY"}, "signed_on": "2026-11-01",
                      "custom_fields": {"tier": "B"}}),
        )
        .expect(201)
        .json();
    assert_eq!(tier(&contract), "B");
    let read = app
        .get(&format!("/api/v1/contracts/{}", contract["id"]))
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(tier(&read), "B", "{read}");
    let (_, _, body) = app.get("/api/v1/contracts/export").bearer(&admin).send_bytes();
    let text = String::from_utf8(body).unwrap();
    assert!(text.lines().next().unwrap().contains("custom_fields.tier"), "{text}");
}
