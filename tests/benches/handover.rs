//! Handover benchmark: a leaving rep's 10,000 customers (each with an open
//! deal and a team member) move to a colleague in one call,
//! `POST /users/{id}/transfer-customers` with `keep_previous_owner`. Run with
//! `make bench`; writes its section of docs/benchmarks.md. A benchmark, not a
//! test: nothing here passes or fails on speed.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use crm_tests::TestApp;
use serde_json::json;

const CUSTOMERS: i64 = 10_000;

fn run(postgres: bool) -> String {
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    let app = TestApp::spawn_on(postgres, |_| {});
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华东", None);
    let leaving = app.user(&admin, "leaving@example.com", "rep", Some(d));
    let heir = app.user(&admin, "heir@example.com", "rep", Some(d));
    let helper = app.user(&admin, "helper@example.com", "rep", Some(d));
    app.sql(&format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {CUSTOMERS}) \
         INSERT INTO customers (name, name_key, name_key_rev, owner_id, created_at, updated_at) \
         SELECT '交接客户' || i, '交接客户' || i, '-', {}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq",
        leaving.id
    ));
    app.sql(&format!(
        "INSERT INTO customer_members (customer_id, user_id, access, created_at) \
         SELECT id, {}, 'read_write', CURRENT_TIMESTAMP FROM customers WHERE owner_id = {}",
        helper.id, leaving.id
    ));
    app.sql(&format!(
        "INSERT INTO opportunities (customer_id, pipeline_id, stage_id, title, currency, owner_id, status, \
         stage_entered_at, created_at, updated_at) \
         SELECT c.id, s.pipeline_id, s.id, '续约', 'CNY', {}, 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, \
         CURRENT_TIMESTAMP FROM customers c, (SELECT id, pipeline_id FROM stages ORDER BY position LIMIT 1) s \
         WHERE c.owner_id = {}",
        leaving.id, leaving.id
    ));
    app.sql("ANALYZE");
    let started = Instant::now();
    let r = app
        .post(&format!("/api/v1/users/{}/transfer-customers", leaving.id))
        .bearer(&admin)
        .json(&json!({"to_user_id": heir.id, "keep_previous_owner": true}))
        .expect(200)
        .json();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(r["transferred"], CUSTOMERS);
    let deals = app.count(&format!(
        "SELECT COUNT(*) AS n FROM opportunities WHERE owner_id = {} AND status = 'open'",
        heir.id
    ));
    format!(
        "| hand over {CUSTOMERS} customers of a leaving rep (open deals, members, audit) | {name} | {:.0} ms | {deals} deals moved |",
        secs * 1000.0
    )
}

fn main() {
    let mut lines = Vec::new();
    for (skip, postgres) in [("CRM_BENCH_SKIP_SQLITE", false), ("CRM_BENCH_SKIP_PG", true)] {
        if std::env::var(skip).is_ok() {
            continue;
        }
        let line = run(postgres);
        println!("{line}");
        lines.push(line);
    }
    crm_tests::write_bench_section(
        "handover",
        &format!(
            "## Handover (tests/benches/handover.rs)\n\n| benchmark | backend | result | notes |\n|---|---|---|---|\n{}",
            lines.join("\n")
        ),
    );
    println!("written to docs/benchmarks.md");
}
