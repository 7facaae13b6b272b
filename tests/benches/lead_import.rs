//! Lead-import benchmark: 1,000,000 generated leads through `POST /leads/import`
//! (100 requests of 10,000 rows, 5 % duplicates), on SQLite and on PostgreSQL.
//! Run with `make bench`; prints rows/s over the whole million (the requests
//! and their answers, not the generating of the rows) and over its last
//! 100,000, and writes them to docs/benchmarks.md.
//! A benchmark, not a test: nothing here passes or fails on speed.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crm_tests::TestApp;
use serde_json::{Value, json};

const TOTAL: usize = 1_000_000;
/// The tail whose rate is shown beside the whole: the table is big by then.
const TAIL: usize = 100_000;
const BATCH: usize = 10_000;

fn batch(start: usize) -> Value {
    let rows: Vec<Value> = (start..start + BATCH)
        .map(|i| {
            let region = ["shanghai", "beijing", "guangdong", "zhejiang"][i % 4];
            // every 20th row repeats an earlier phone: a duplicate
            let n = if i % 20 == 19 { i - 7 } else { i };
            json!({
                "person_name": format!("联系人{i}"),
                "company": format!("基准测试公司{i}"),
                "phone": format!("139{n:08}"),
                "email": format!("lead{i}@bench.example.com"),
                "source": "import",
                "region": region,
            })
        })
        .collect();
    Value::Array(rows)
}

fn run(postgres: bool) -> Measured {
    let app = TestApp::spawn_on(postgres, |c| c.pool_size = Some(8));
    let admin = app.admin_token();
    let d = app.create_department(&admin, "华东", None);
    for i in 0..5 {
        app.create_user(&admin, &format!("bench{i}@example.com"), "rep", Some(d));
    }
    app.post("/api/v1/lead-rules")
        .bearer(&admin)
        .json(&json!({"name": "all", "target_department_id": d}))
        .expect(201);
    let key = app
        .post("/api/v1/api-keys")
        .bearer(&admin)
        .json(&json!({"name": "bench", "scopes": ["leads:write"]}))
        .expect(201)
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut created, mut duplicates) = (0, 0);
    let (mut spent, mut tail) = (Duration::ZERO, Duration::ZERO);
    for b in 0..TOTAL / BATCH {
        let body = batch(b * BATCH);
        let started = Instant::now();
        let r = app
            .post("/api/v1/leads/import")
            .header("X-Api-Key", &key)
            .json(&body)
            .expect(200)
            .json();
        let took = started.elapsed();
        spent += took;
        if (b + 1) * BATCH > TOTAL - TAIL {
            tail += took;
        }
        created += r["summary"]["created"].as_u64().unwrap() as usize;
        duplicates += r["summary"]["duplicates"].as_u64().unwrap() as usize;
    }
    Measured {
        rate: TOTAL as f64 / spent.as_secs_f64(),
        tail_rate: TAIL as f64 / tail.as_secs_f64(),
        created,
        duplicates,
    }
}

struct Measured {
    rate: f64,
    tail_rate: f64,
    created: usize,
    duplicates: usize,
}

fn main() {
    let mut lines = Vec::new();
    for (name, postgres) in [("SQLite", false), ("PostgreSQL", true)] {
        let skip = if postgres {
            "CRM_BENCH_SKIP_PG"
        } else {
            "CRM_BENCH_SKIP_SQLITE"
        };
        if std::env::var(skip).is_ok() {
            continue;
        }
        let m = run(postgres);
        let line = format!(
            "| lead import, {TOTAL} rows in batches of {BATCH} | {name} | {:.0} rows/s (the last {TAIL}: {:.0} rows/s) | {} created, {} duplicates |",
            m.rate, m.tail_rate, m.created, m.duplicates
        );
        println!("{line}");
        lines.push(line);
    }
    crm_tests::write_bench_section(
        "lead_import",
        &format!(
            "## Lead import (tests/benches/lead_import.rs)\n\n| benchmark | backend | result | notes |\n|---|---|---|---|\n{}",
            lines.join("\n")
        ),
    );
    println!("written to docs/benchmarks.md");
}
