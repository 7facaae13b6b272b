//! Look-alike names at scale: 1,000,000 customers with realistic Chinese
//! company names (city + brand + industry + legal form), written behind the
//! API's back, then indexed by the server at start (timed). Measures the
//! duplicate check for the four probes of issue 15 (are they found? p50/p99
//! over HTTP, one client) and sequential creates with the look-alike warning.
//! Run with `make bench`; writes its section of docs/benchmarks.md. A
//! benchmark, not a test: nothing here passes or fails on speed.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crm_tests::child::ChildServer;
use serde_json::json;

const PROBES: [&str; 4] = [
    "北京字节跳动科技发展有限公司",
    "字节跳动科技有限公司",
    "北京字节跳动",
    "北京字节跳动网络技术有限公司",
];
const ROUNDS: usize = 250;
const CREATES: usize = 500;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn run(postgres: bool, total: i64) -> Vec<String> {
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut server = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), postgres, &[]);
    let admin = server.admin_token();
    let target = server
        .post("/api/v1/customers")
        .bearer(&admin)
        .json(&json!({"name": "北京字节跳动科技有限公司"}))
        .expect(201)
        .json()["id"]
        .clone();
    let started = Instant::now();
    server.sql(&crm_tests::seed::company_names_sql(total));
    let seeded = started.elapsed().as_secs_f64();
    let customers = server.count("SELECT COUNT(*) AS n FROM customers");
    server.sql("DELETE FROM customer_name_grams");
    server.sql("DELETE FROM settings WHERE name = 'name_grams_built'");
    let started = Instant::now();
    server.restart();
    let indexed = started.elapsed().as_secs_f64();
    let grams = server.count("SELECT COUNT(*) AS n FROM customer_name_grams");
    // what autovacuum does shortly after a bulk load
    server.sql(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" });
    let admin = server.admin_token();
    let mut lines = vec![format!(
        "| {customers} customers seeded by SQL in {seeded:.1} s; name index built at start in {indexed:.1} s ({grams} grams) | {name} | | |"
    )];
    let mut all = Vec::new();
    for probe in PROBES {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut found = false;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let r = server
                .post("/api/v1/customers/duplicate-check")
                .bearer(&admin)
                .json(&json!({"name": probe}))
                .expect(200);
            times.push(t.elapsed());
            found = r.json()["similar"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["customer_id"] == target);
        }
        times.sort();
        all.extend(times.iter().copied());
        lines.push(format!(
            "| duplicate check `{probe}` over HTTP, {ROUNDS} requests, one client | {name} | p50 {:.2} ms, p99 {:.2} ms | {} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            if found { "target found" } else { "TARGET NOT FOUND" }
        ));
    }
    all.sort();
    lines.push(format!(
        "| duplicate check, all four probes | {name} | p50 {:.2} ms, p99 {:.2} ms | |",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    ));
    let started = Instant::now();
    for i in 0..CREATES {
        server
            .post("/api/v1/customers")
            .bearer(&admin)
            .json(&json!({"name": format!("杭州基准测试{i}号网络科技有限公司")}))
            .expect(201);
    }
    let rate = CREATES as f64 / started.elapsed().as_secs_f64();
    lines.push(format!(
        "| customer create with dedup, audit and look-alike warning, {CREATES} sequential | {name} | {rate:.0} creates/s | one client; not the 16-connection load of issue 15 |"
    ));
    lines
}

fn main() {
    let total: i64 = std::env::var("CRM_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut lines = Vec::new();
    for (skip, postgres) in [("CRM_BENCH_SKIP_SQLITE", false), ("CRM_BENCH_SKIP_PG", true)] {
        if std::env::var(skip).is_ok() {
            continue;
        }
        for line in run(postgres, total) {
            println!("{line}");
            lines.push(line);
        }
    }
    crm_tests::write_bench_section(
        "similar_names",
        &format!(
            "## Look-alike names among {total} customers (tests/benches/similar_names.rs)\n\n| measure | backend | result | notes |\n|---|---|---|---|\n{}",
            lines.join("\n")
        ),
    );
    println!("written to docs/benchmarks.md");
}
