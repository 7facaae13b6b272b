//! Memory soak (#14 item 4): the server's resident memory and threads under
//! repeated bursts of list requests, before and after a 60,000-lead import.
//! Run with `make bench`; writes its section of docs/benchmarks.md. A
//! benchmark, not a test: nothing here passes or fails on a figure.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crm_tests::child::ChildServer;
use serde_json::json;

const CLIENTS: usize = 32;
const PER_BURST: usize = 10_000;
/// Customer-list bursts before the import (the issue asks for 1 and 20), lead-list bursts after.
const BURSTS: usize = 20;
const BURSTS_AFTER_IMPORT: usize = 6;

/// VmRSS in MB and the thread count of a process.
fn rss_and_threads(pid: u32) -> (f64, u32) {
    let (rss, _, threads) = crm_tests::seed::memory_and_threads(pid);
    (rss, threads)
}

/// `PER_BURST` GETs of `path` from `CLIENTS` threads; requests a second.
fn burst(base: &str, token: &str, path: &str) -> f64 {
    let left = Arc::new(AtomicUsize::new(PER_BURST));
    let started = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (left, url, auth) = (left.clone(), format!("{base}{path}"), format!("Bearer {token}"));
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                while left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let r = agent.get(&url).set("Authorization", &auth).call();
                    assert!(r.is_ok_and(|r| r.status() == 200), "{url}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    PER_BURST as f64 / started.elapsed().as_secs_f64()
}

fn run(postgres: bool) -> Vec<String> {
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    let server = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), postgres, &[]);
    let pid = server.pid().unwrap();
    let admin = server.admin_token();
    server.sql(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 5000) \
         INSERT INTO customers (name, name_key, name_key_rev, owner_id, created_at, updated_at) \
         SELECT '浸泡客户' || i, '浸泡客户' || i, '-', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq",
    );
    let base = server.client.base.clone();
    let mut lines = Vec::new();
    let (start_rss, start_threads) = rss_and_threads(pid);
    lines.push(format!("| {name} | at start | | {start_rss:.0} MB | {start_threads} |"));
    let mut row = |label: String, rate: f64| {
        let (rss, threads) = rss_and_threads(pid);
        lines.push(format!("| {name} | {label} | {rate:.0}/s | {rss:.0} MB | {threads} |"));
    };
    for b in 1..=BURSTS {
        let rate = burst(&base, &admin, "/api/v1/customers?limit=50");
        row(format!("customer list, burst {b} of {PER_BURST}"), rate);
    }
    let started = Instant::now();
    for batch in 0..6 {
        let rows: Vec<serde_json::Value> = (0..10_000)
            .map(|i| json!({"person_name": format!("浸泡{batch}-{i}"), "phone": format!("13{batch}{i:08}")}))
            .collect();
        server
            .post("/api/v1/leads/import")
            .bearer(&admin)
            .json(&serde_json::Value::Array(rows))
            .expect(200);
    }
    row(
        "after importing 60,000 leads".to_owned(),
        60_000.0 / started.elapsed().as_secs_f64(),
    );
    for b in 1..=BURSTS_AFTER_IMPORT {
        let rate = burst(&base, &admin, "/api/v1/leads?limit=50");
        row(format!("lead list, burst {b} of {PER_BURST}"), rate);
    }
    lines
}

fn main() {
    let mut lines = Vec::new();
    for (skip, postgres) in [("CRM_BENCH_SKIP_SQLITE", false), ("CRM_BENCH_SKIP_PG", true)] {
        if std::env::var(skip).is_err() {
            lines.extend(run(postgres));
        }
    }
    let body = format!(
        "## Memory soak (tests/benches/soak.rs)\n\n\
         Resident memory (VmRSS) and threads of the `crm` process (2 workers) after each burst of \
         {PER_BURST} list requests from {CLIENTS} clients, release build, run on {}.\n\n\
         | backend | after | rate | resident | threads |\n|---|---|---|---|---|\n{}\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        lines.join("\n")
    );
    println!("{body}");
    crm_tests::write_bench_section("soak", &body);
}
