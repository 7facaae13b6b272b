//! HTTP load against a bare baseline (#15 item 1): a bare actix-web handler
//! built in this run (a fixed 50-object JSON array, and one SQLite row read
//! through `web::block`) is what this machine can do at all; against it, with
//! the same load generator, connections and duration, the real server's
//! customer list (a filtered page of 50 over 100,000 customers), one customer,
//! a customer create (dedup, audit, look-alikes), the duplicate check and the
//! workbench, on SQLite and PostgreSQL. Prints requests/s, p50/p99, resident
//! memory, SQL statements per request (the server's `/metrics`) and each
//! ratio to its baseline, and writes them to docs/benchmarks.md.
//! Run with `make bench`. A benchmark, not a test: nothing fails on a figure.
//!
//! To see where the time goes: `CRM_BENCH_PERF=<folder>` records a `perf`
//! profile of the server during each scenario (`<folder>/<backend>-<n>.data`,
//! read with `perf report -i`), and `CRM_BENCH_BACKENDS=sqlite` (or
//! `postgres`) runs one backend. A profiled run slows the server, so it does
//! not write docs/benchmarks.md. To compare two builds of the server on one
//! data set: `CRM_BENCH_AB=<program a>,<program b>` (load/ab.rs).

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use crm_tests::child::ChildServer;
use serde_json::{Value, json};

#[path = "load/ab.rs"]
mod ab;

const CONNECTIONS: usize = 32;
const DURATION: Duration = Duration::from_secs(8);
const WARM_UP: Duration = Duration::from_secs(1);
const CUSTOMERS: i64 = 100_000;
/// DESIGN.md section 7, on SQLite.
const AIM_LIST: f64 = 0.40;
const AIM_ONE: f64 = 0.50;
const AIM_CREATES: f64 = 5_000.0;
const AIM_RSS_MB: f64 = 100.0;

/// One keep-alive HTTP/1.1 connection that sends a request and reads the
/// whole answer (`Content-Length` framing, as the server sends).
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    fn call(&mut self, request: &[u8]) -> u16 {
        self.stream.write_all(request).unwrap();
        let mut chunk = [0u8; 64 * 1024];
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        self.buf.drain(..head_end + length);
        status
    }
}

/// What one scenario measured.
struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Every request answered, the warm-up's included.
    sent: u64,
}

/// `CONNECTIONS` threads send `request(thread, n)` for `DURATION` after a
/// warm-up; every answer must have status `expect`.
fn load(port: u16, expect: u16, request: impl Fn(usize, u64) -> Vec<u8> + Send + Sync + 'static) -> Measured {
    let request = Arc::new(request);
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let measure_from = started + WARM_UP;
    let end = measure_from + DURATION;
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|t| {
            let (request, counter) = (request.clone(), counter.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::open(port);
                let mut times = Vec::new();
                let mut sent = 0u64;
                loop {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let body = request(t, n);
                    let at = Instant::now();
                    if at >= end {
                        break;
                    }
                    let status = conn.call(&body);
                    sent += 1;
                    assert_eq!(status, expect, "{}", String::from_utf8_lossy(&body));
                    if at >= measure_from {
                        times.push(at.elapsed());
                    }
                }
                (times, sent)
            })
        })
        .collect();
    let mut sent = 0;
    let mut times: Vec<Duration> = Vec::new();
    for h in threads {
        let (t, n) = h.join().unwrap();
        times.extend(t);
        sent += n;
    }
    times.sort();
    let pick = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    Measured {
        rate: times.len() as f64 / DURATION.as_secs_f64(),
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        sent,
    }
}

fn get(path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n").into_bytes()
}

fn post(path: &str, token: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The bare baseline: the same actix-web, two workers like the server, no
/// middleware. `/list` serialises a fixed 50-object array; `/row` reads one
/// customer row of a SQLite file through `web::block`.
fn start_baseline() -> u16 {
    let dir = std::env::temp_dir().join(format!("crm-bench-bare-{}", std::process::id()));
    let backend = persistence::Backend::from_url(&format!("sqlite://{}", dir.join("bare.db").display())).unwrap();
    let db = persistence::Db::open(backend, 8).unwrap();
    db.run(|conn| -> Result<(), persistence::RepoError> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "INSERT INTO customers (name, name_key, name_key_rev, grade, created_at, updated_at) \
             VALUES ('基准客户有限公司', '基准客户', '户客准基', 'B', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )?;
        Ok(())
    })
    .unwrap();
    let list: Vec<Value> = (0..50)
        .map(|i| json!({"id": i, "name": format!("基准客户{i}有限公司"), "grade": "B", "owner": {"id": 1, "name": "Administrator"}, "tags": ["重点"], "created_at": "2026-11-28T00:00:00Z"}))
        .collect();
    let list = web::Data::new(list);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(list.clone())
                    .app_data(web::Data::new(db.clone()))
                    .route(
                        "/list",
                        web::get().to(|l: web::Data<Vec<Value>>| async move { HttpResponse::Ok().json(&**l) }),
                    )
                    .route(
                        "/row",
                        web::get().to(|db: web::Data<persistence::Db>| async move {
                            let db = db.get_ref().clone();
                            let row = web::block(move || db.run(|c| persistence::customers::find(c, 1)))
                                .await
                                .unwrap()
                                .unwrap();
                            HttpResponse::Ok().json(json!({"id": row.id, "name": row.name, "grade": row.grade}))
                        }),
                    )
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    std::thread::sleep(Duration::from_millis(300));
    port
}

/// `perf record` of the server for one scenario, when `CRM_BENCH_PERF` names a folder.
fn perf_record(pid: u32, name: &str) -> Option<std::process::Child> {
    let folder = std::env::var("CRM_BENCH_PERF").ok()?;
    std::fs::create_dir_all(&folder).unwrap();
    let seconds = (WARM_UP + DURATION).as_secs().to_string();
    let child = std::process::Command::new("perf")
        // DWARF unwinding: with frame pointers the callers inside SQLite and
        // diesel are lost (statement recompiling showed as 1-2 % of parser
        // time instead of 29 % under `sqlite3Reprepare`); ~50 MB a scenario
        .args([
            "record",
            "-F",
            "199",
            "--call-graph",
            "dwarf,16384",
            "-p",
            &pid.to_string(),
            "-o",
        ])
        .arg(format!("{folder}/{name}.data"))
        .args(["--", "sleep", &seconds])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    println!("profiling scenario {name} into {folder}/{name}.data");
    Some(child)
}

fn rss_mb(pid: u32) -> (f64, f64) {
    let (rss, peak, _) = crm_tests::seed::memory_and_threads(pid);
    (rss, peak)
}

fn statements(server: &ChildServer) -> u64 {
    let r = server.get("/metrics").send().expect(200);
    r.body
        .lines()
        .find_map(|l| l.strip_prefix("crm_sql_statements_total "))
        .and_then(|n| n.parse().ok())
        .unwrap()
}

struct Baseline {
    list: f64,
    row: f64,
}

fn row(name: &str, backend: &str, m: &Measured, statements: Option<f64>, ratio: Option<f64>, rss: f64) -> String {
    let per = statements.map_or("".into(), |s| format!("{s:.1}"));
    let ratio = ratio.map_or("".into(), |r| format!("{r:.2}"));
    let rss = if rss > 0.0 {
        format!("{rss:.0} MB")
    } else {
        String::new()
    };
    format!(
        "| {name} | {backend} | {:.0} | {:.2} | {:.2} | {per} | {ratio} | {rss} |",
        m.rate, m.p50_ms, m.p99_ms
    )
}

fn run(postgres: bool, base: &Baseline, lines: &mut Vec<String>, verdicts: &mut Vec<String>) {
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut server = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), postgres, &[]);
    // seeded with the server stopped: nothing else writes meanwhile
    server.kill9();
    server.sql(&crm_tests::seed::company_names_sql(CUSTOMERS));
    // owners, grades and regions spread as in a real book: a third grade A
    server.sql(
        "UPDATE customers SET owner_id = 1, owned_since = created_at, grade = CASE id % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END, \
         region = CASE id % 4 WHEN 0 THEN '华东' WHEN 1 THEN '华北' WHEN 2 THEN '华南' ELSE '西南' END",
    );
    server.sql("DELETE FROM settings WHERE name = 'name_grams_built'");
    server.sql(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" });
    server.restart();
    let pid = server.pid().unwrap();
    let token = server.admin_token();
    let port: u16 = server.client.base.rsplit(':').next().unwrap().parse().unwrap();
    let some_id: i64 = server
        .get("/api/v1/customers?limit=1&grade=A")
        .bearer(&token)
        .send()
        .expect(200)
        .json()["data"][0]["id"]
        .as_i64()
        .unwrap();

    let (t, u, v, w, x) = (
        token.clone(),
        token.clone(),
        token.clone(),
        token.clone(),
        token.clone(),
    );
    let scenarios: Vec<ab::Scenario> = vec![
        (
            "customer list, grade A, page of 50",
            200,
            Arc::new(move |_, _| get("/api/v1/customers?limit=50&grade=A", Some(&t))),
        ),
        (
            "one customer",
            200,
            Arc::new(move |_, _| get(&format!("/api/v1/customers/{some_id}"), Some(&u))),
        ),
        (
            "customer create (dedup, audit, look-alikes)",
            201,
            Arc::new(move |thread, _| {
                // unique across runs of the scenario (load/ab.rs runs it again)
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let name = format!("压测新建{thread}号{n}科技有限公司");
                post("/api/v1/customers", &v, &json!({ "name": name }))
            }),
        ),
        (
            "duplicate check",
            200,
            Arc::new(move |_, n| {
                let name = format!("北京字节跳动{}科技有限公司", n % 1000);
                post("/api/v1/customers/duplicate-check", &w, &json!({ "name": name }))
            }),
        ),
        (
            "workbench (admin)",
            200,
            Arc::new(move |_, _| get("/api/v1/me/workbench", Some(&x))),
        ),
    ];
    if let Some(programs) = ab::programs() {
        // the workbench reads every customer: left out of the comparison
        ab::compare(&mut server, &programs, &scenarios[..4]);
        return;
    }
    let baselines = [Some(base.list), Some(base.row), None, None, None];
    let mut measured = Vec::new();
    for (i, ((label, expect, request), baseline)) in scenarios.iter().zip(baselines).enumerate() {
        let before = statements(&server);
        let perf = perf_record(pid, &format!("{}-{}", backend.to_lowercase(), i + 1));
        let request = request.clone();
        let m = load(port, *expect, move |t, n| request(t, n));
        if let Some(mut p) = perf {
            let _ = p.wait();
        }
        let per = (statements(&server) - before) as f64 / m.sent.max(1) as f64;
        let ratio = baseline.map(|b| m.rate / b);
        let (rss, _) = rss_mb(pid);
        let line = row(label, backend, &m, Some(per), ratio, rss);
        println!("{line}");
        lines.push(line);
        measured.push((m.rate, ratio));
    }
    let (list_ratio, one_ratio, creates) = (measured[0].1, measured[1].1, measured[2].0);
    let (_, peak) = rss_mb(pid);
    lines.push(format!(
        "| peak resident memory of the server | {backend} | | | | | | {peak:.0} MB |"
    ));
    if !postgres {
        let judge = |what: &str, got: f64, aim: f64, unit: &str, higher: bool| {
            let met = if higher { got >= aim } else { got <= aim };
            if met {
                format!("- {what}: {got:.2}{unit}, aim {aim}{unit}: met")
            } else if higher {
                format!(
                    "- {what}: {got:.2}{unit}, aim {aim}{unit}: missed by {:.0} %",
                    (1.0 - got / aim) * 100.0
                )
            } else {
                format!(
                    "- {what}: {got:.2}{unit}, aim {aim}{unit}: over by {:.0} %",
                    (got / aim - 1.0) * 100.0
                )
            }
        };
        verdicts.push(judge("list / bare list", list_ratio.unwrap_or(0.0), AIM_LIST, "", true));
        verdicts.push(judge(
            "one record / bare row",
            one_ratio.unwrap_or(0.0),
            AIM_ONE,
            "",
            true,
        ));
        verdicts.push(judge("creates a second", creates, AIM_CREATES, "", true));
        verdicts.push(judge("peak resident memory", peak, AIM_RSS_MB, " MB", false));
    }
}

fn main() {
    let mut lines = vec![
        format!(
            "{CONNECTIONS} connections, {} s per scenario after a {} s warm-up, keep-alive HTTP/1.1 from one load generator in this process; the server is the release `crm` with two workers; {CUSTOMERS} customers.",
            DURATION.as_secs(),
            WARM_UP.as_secs()
        ),
        String::new(),
        "| scenario | backend | requests/s | p50 ms | p99 ms | SQL statements per request | ratio to its baseline | server resident memory |".into(),
        "|---|---|---|---|---|---|---|---|".into(),
    ];
    let bare = start_baseline();
    let list = load(bare, 200, |_, _| get("/list", None));
    let row_m = load(bare, 200, |_, _| get("/row", None));
    lines.push(row("bare: fixed 50-object JSON array", "", &list, None, None, 0.0));
    lines.push(row(
        "bare: one SQLite row through web::block",
        "SQLite",
        &row_m,
        None,
        None,
        0.0,
    ));
    for l in &lines[4..] {
        println!("{l}");
    }
    let base = Baseline {
        list: list.rate,
        row: row_m.rate,
    };
    let mut verdicts = Vec::new();
    let backends = std::env::var("CRM_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    for postgres in [false, true] {
        if backends.contains(if postgres { "postgres" } else { "sqlite" }) {
            run(postgres, &base, &mut lines, &mut verdicts);
        }
    }
    lines.push(String::new());
    lines.push("Aims on SQLite (DESIGN.md section 7):".into());
    lines.extend(verdicts);
    let text = lines.join("\n");
    println!("{text}");
    if std::env::var_os("CRM_BENCH_PERF").is_some() || ab::programs().is_some() {
        // the profiler slowed the server, or two builds were compared: these
        // figures are not the benchmark's
        return;
    }
    crm_tests::write_bench_section(
        "load",
        &format!("## HTTP load against a bare baseline (tests/benches/load.rs)\n\n{text}"),
    );
}
