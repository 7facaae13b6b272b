//! Picklists: seeded, admin-edited, enforced on customers.

use crm_tests::{TestApp, password_of};
use serde_json::json;

#[test]
fn seeded_dictionaries_are_enforced_and_admins_edit_them() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    app.create_user(&admin, "rep@example.com", "rep", None);
    let rep = app.token("rep@example.com", &password_of("rep@example.com"));
    let industries = app
        .get("/api/v1/dictionaries/industry")
        .bearer(&rep)
        .send()
        .expect(200)
        .json();
    let codes: Vec<&str> = industries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"manufacturing") && codes.contains(&"internet"),
        "{codes:?}"
    );
    assert_eq!(industries[0]["label_zh"], "制造业");
    for kind in ["source", "region", "size_band"] {
        assert!(
            !app.get(&format!("/api/v1/dictionaries/{kind}"))
                .bearer(&rep)
                .send()
                .expect(200)
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    app.get("/api/v1/dictionaries/colour")
        .bearer(&rep)
        .send()
        .problem(404, "not_found");

    let p = app
        .post("/api/v1/customers")
        .bearer(&rep)
        .json(&json!({"name": "宁德时代", "industry": "new_energy", "region": "fujian", "source": "billboard"}))
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["industry", "source"]);

    app.post("/api/v1/dictionaries/industry")
        .bearer(&rep)
        .json(&json!({"code": "new_energy", "label_zh": "新能源", "label_en": "New energy"}))
        .problem(403, "forbidden");
    let entry = app
        .post("/api/v1/dictionaries/industry")
        .bearer(&admin)
        .json(&json!({"code": "new_energy", "label_zh": "新能源", "label_en": "New energy", "position": 5}))
        .expect(201)
        .json();
    app.post("/api/v1/dictionaries/industry")
        .bearer(&admin)
        .json(&json!({"code": "new_energy", "label_zh": "x", "label_en": "x"}))
        .problem(409, "code_taken");
    app.post("/api/v1/dictionaries/industry")
        .bearer(&admin)
        .json(&json!({"code": "New Energy", "label_zh": "x", "label_en": "x"}))
        .problem(422, "validation_failed");
    app.post("/api/v1/customers")
        .bearer(&rep)
        .json(&json!({"name": "宁德时代", "industry": "new_energy", "region": "fujian"}))
        .expect(201);
    // retired entries stay on records but are no longer offered or accepted
    app.patch(&format!("/api/v1/dictionary-entries/{}", entry["id"]))
        .bearer(&admin)
        .json(&json!({"active": false}))
        .expect(200);
    let offered = app
        .get("/api/v1/dictionaries/industry")
        .bearer(&rep)
        .send()
        .expect(200)
        .json();
    assert!(offered.as_array().unwrap().iter().all(|e| e["code"] != "new_energy"));
    app.post("/api/v1/customers")
        .bearer(&rep)
        .json(&json!({"name": "比亚迪", "industry": "new_energy"}))
        .problem(422, "validation_failed");
}
