//! A customer page sends the same SQL statements whatever its size (#15
//! item 2): owners, tags and custom values are read for the whole page at
//! once, not row by row. Counted by the server's own counter
//! (`crm_sql_statements_total` on /metrics), in a server process of its own
//! so no other test's statements are counted.

use crm_tests::child::ChildServer;
use serde_json::json;

#[test]
fn a_page_of_fifty_customers_sends_the_statements_of_a_page_of_one() {
    let server = ChildServer::start(
        env!("CARGO_BIN_EXE_crm-under-test"),
        crm_tests::backend_is_postgres(),
        &[],
    );
    let admin = server.admin_token();
    let rep = server.create_user(&admin, "rep@example.com", "rep", None);
    server
        .post("/api/v1/custom-fields")
        .bearer(&admin)
        .json(&json!({"entity": "customer", "key": "level", "label": "客户级别", "kind": "text"}))
        .expect(201);
    for i in 0..60 {
        // half of them another owner's: the owners' names are read too
        let owner = if i % 2 == 0 { json!(rep) } else { json!(null) };
        server
            .post("/api/v1/customers")
            .bearer(&admin)
            .json(
                &json!({"name": format!("语句计数客户{i}号"), "tags": [format!("标签{}", i % 3), "共用"],
                          "custom_fields": {"level": format!("L{}", i % 4)}, "owner_id": owner}),
            )
            .expect(201);
    }
    let counter = || -> u64 {
        let body = server.get("/metrics").send().expect(200).body;
        body.lines()
            .find_map(|l| l.strip_prefix("crm_sql_statements_total "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no counter in {body}"))
    };
    // the fewest of a few tries: a timer of the server's own may send one
    // between two readings of the counter
    let statements = |limit: usize| -> u64 {
        (0..4)
            .map(|_| {
                let before = counter();
                let page = server
                    .get(&format!("/api/v1/customers?limit={limit}"))
                    .bearer(&admin)
                    .send()
                    .expect(200)
                    .json();
                let items = page["data"].as_array().unwrap();
                assert_eq!(items.len(), limit);
                assert!(items.iter().all(|c| c["tags"].as_array().unwrap().len() == 2), "{page}");
                assert!(items.iter().all(|c| c["custom_fields"]["level"].is_string()), "{page}");
                counter() - before
            })
            .min()
            .unwrap()
    };
    let one = statements(1);
    assert!(one > 0, "a page is read from the database");
    assert_eq!(statements(50), one, "a page of 50 sends what a page of 1 does");
}
