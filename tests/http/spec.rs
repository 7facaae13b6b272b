//! The OpenAPI document: committed, fresh, and every route in it served.

use crm_tests::TestApp;

#[test]
fn the_committed_spec_is_fresh() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap_or_default();
    let generated = api::openapi::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn every_documented_route_is_served_and_documented_with_security() {
    let app = TestApp::spawn();
    let spec = app.get("/openapi.json").send().expect(200).json();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    assert!(spec["components"]["securitySchemes"]["api_key"].is_object());
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{} paths", paths.len());
    let mut checked = 0;
    for (template, item) in paths {
        let path = template.replace("{id}", "1");
        for (method, op) in item.as_object().unwrap() {
            let res = app.req(&method.to_uppercase(), &path).send();
            assert!(
                res.status != 405 && !res.body.contains("no_route"),
                "{method} {template} is documented but not served: {} {}",
                res.status,
                res.body
            );
            assert!(op["operationId"].is_string(), "{method} {template} has an operationId");
            checked += 1;
        }
    }
    assert!(checked >= 17, "{checked} operations");
}

#[test]
fn probes_and_interactive_docs() {
    let app = TestApp::spawn();
    assert_eq!(app.get("/healthz").send().expect(200).json()["status"], "ok");
    let ready = app.get("/readyz").send().expect(200).json();
    assert_eq!(ready["status"], "ready");
    let expected = if crm_tests::backend_is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert_eq!(ready["database"], expected);
    let docs = app.get("/docs/").send().expect(200);
    assert!(docs.body.contains("swagger"), "Swagger UI is served");
}

#[test]
fn a_bad_or_unreachable_database_fails_at_start_with_one_line() {
    let build = |url: &str| {
        let config = api::Config {
            database_url: url.into(),
            bind: "127.0.0.1:0".into(),
            ..api::Config::default()
        };
        api::Application::build(config).err().unwrap_or_default()
    };
    let unreachable = build("postgres://postgres:s3cret@127.0.0.1:1/crm");
    assert!(
        unreachable.starts_with("cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:1/crm: "),
        "{unreachable}"
    );
    let wrong = build("mysql://root@localhost/crm");
    assert!(wrong.contains("is neither postgres://"), "{wrong}");
    for message in [unreachable, wrong] {
        assert!(!message.contains('\n') && !message.contains("s3cret"), "{message}");
    }
}

/// Field error codes are one enum (`domain::vocabulary::FieldCode`), listed
/// in the document; a refusal's codes are among those listed.
#[test]
fn every_field_code_the_server_can_send_is_in_the_document() {
    use domain::vocabulary::FieldCode;
    let doc = crm_tests::conform::published();
    let listed: Vec<&str> = doc["components"]["schemas"]["FieldCode"]["enum"]
        .as_array()
        .expect("FieldCode is an enum in the document")
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    let ours: Vec<&str> = FieldCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, ours);
    assert_eq!(
        doc["components"]["schemas"]["FieldError"]["properties"]["code"]["$ref"],
        "#/components/schemas/FieldCode"
    );
    // a real refusal names its fields with listed codes, as the document says
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let res = app
        .post("/api/v1/opportunities")
        .bearer(&admin)
        .json(&serde_json::json!({"customer_id": 1, "title": "", "amount": {"amount": -5, "currency": "CNY"}}))
        .problem(422, "validation_failed");
    crm_tests::conform::assert_conforms("post", "/api/v1/opportunities", 422, &res);
    let codes: Vec<FieldCode> = res["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| serde_json::from_value(e["code"].clone()).expect("a listed code"))
        .collect();
    assert_eq!(codes, [FieldCode::Range], "{res}");
}

/// utoipa names a schema by its type's name and keeps the last one of a
/// name it meets: two documented types of one name would leave one route
/// described with the other's fields. Every documented type's name is unique.
#[test]
fn no_two_documented_types_share_a_name() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut files = Vec::new();
    for crate_dir in ["api/src", "domain/src"] {
        sources(&root.join(crate_dir), &mut files);
    }
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut twice = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut documented = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[") && line.contains("ToSchema") {
                documented = true;
            } else if documented && (line.starts_with("pub struct ") || line.starts_with("pub enum ")) {
                let name: String = line
                    .split_whitespace()
                    .nth(2)
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let at = file.display().to_string();
                if let Some(first) = seen.insert(name.clone(), at.clone()) {
                    twice.push(format!("{name}: {first} and {at}"));
                }
                documented = false;
            } else if !line.starts_with("#[") && !line.starts_with("///") && !line.is_empty() {
                documented = false;
            }
        }
    }
    assert!(seen.len() > 100, "only {} documented types found", seen.len());
    assert!(twice.is_empty(), "schema names used twice: {twice:?}");
}
