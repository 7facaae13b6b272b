//! Look-alike company names stay found when a city's customers share the
//! first and last characters of every name (北京……科技), and the name index
//! is built for customers that existed before it.

use crm_tests::child::ChildServer;
use serde_json::json;

const FILLERS: i64 = 3_000;

#[test]
fn bytedance_is_found_among_thousands_of_beijing_tech_companies() {
    let mut server = ChildServer::start(
        env!("CARGO_BIN_EXE_crm-under-test"),
        crm_tests::backend_is_postgres(),
        &[],
    );
    let admin = server.admin_token();
    let bytedance = server
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "北京字节跳动科技有限公司"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    // thousands of customers that existed before the index: written behind
    // the API's back, with the index and its "built" mark removed
    server.sql(&format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {FILLERS}) \
         INSERT INTO customers (name, name_key, name_key_rev, created_at, updated_at) \
         SELECT '北京' || (i + 1000) || '信息科技有限公司', '北京' || (i + 1000) || '信息科技', \
                '技科息信' || (i + 1000) || '京北', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq"
    ));
    server.sql("DELETE FROM customer_name_grams");
    server.sql("DELETE FROM settings WHERE name = 'name_grams_built'");
    server.restart();
    assert_eq!(
        server.count("SELECT COUNT(DISTINCT customer_id) AS n FROM customer_name_grams"),
        FILLERS + 1,
        "every existing customer is indexed at start"
    );
    let admin = server.admin_token();
    for probe in [
        "北京字节跳动科技发展有限公司",
        "字节跳动科技有限公司",
        "北京字节跳动",
        "北京字节跳动网络技术有限公司",
    ] {
        let r = server
            .post("/api/v1/customers/duplicate-check")
            .bearer(&admin)
            .json(&json!({"name": probe}))
            .expect(200)
            .json();
        assert_eq!(r["similar"][0]["customer_id"], bytedance, "{probe}: {r}");
        assert!(r["similar"][0]["score"].as_f64().unwrap() >= 0.88, "{probe}: {r}");
    }
    // a create warns about the look-alike, and is itself found afterwards
    let created = server
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "北京字节跳动网络技术有限公司"}))
        .expect(201)
        .json();
    assert_eq!(created["similar"][0]["customer_id"], bytedance, "{created}");
    let renamed = server
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"name": "字节跳动网络技术"}))
        .expect(200)
        .json();
    let ids: Vec<&serde_json::Value> = renamed["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["customer_id"])
        .collect();
    assert!(ids.contains(&&created["id"]), "{renamed}");
    // a filler still finds its near twin by the rare digits in the middle
    let r = server
        .post("/api/v1/customers/duplicate-check")
        .bearer(&admin)
        .json(&json!({"name": "北京2042信息科技发展有限公司"}))
        .expect(200)
        .json();
    assert_eq!(r["similar"][0]["name"], "北京2042信息科技有限公司", "{r}");
}
