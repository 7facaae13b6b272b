//! Reports at scale: a data generator writes 1,000,000 customers (Chinese
//! and English company names), one deal each with its stage history, five
//! activities each, and a contract, a payment and a first win for every won
//! deal, behind the API's back; then the funnel, customer analysis,
//! forecast, rankings, KPIs and workbench answers are timed over HTTP (the
//! median of a few calls, as an admin and as a rep), side by side on the
//! server that watched the data arrive (after one housekeeping period) and
//! on a fresh server started over the same data: a server that plans with
//! stale statistics shows as a gap between the two. `CRM_BENCH_CUSTOMERS`
//! changes the size; `CRM_BENCH_KEEP=<file>` keeps a copy of the SQLite data
//! set there, to probe with `crm serve`. Run with `make bench`; writes its section of
//! docs/benchmarks.md. A benchmark, not a test: nothing here passes or fails
//! on speed.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use crm_tests::{TestApp, TestUser};

const REPS: i64 = 50;
const DEPARTMENTS: i64 = 5;
const ROUNDS: usize = 3;
const HOUSEKEEPING: std::time::Duration = std::time::Duration::from_secs(5);

struct Sql {
    postgres: bool,
}

impl Sql {
    /// `SELECT i FROM seq` for i in 1..=n.
    fn seq(&self, n: i64) -> String {
        if self.postgres {
            format!("seq(i) AS (SELECT generate_series(1, {n})::bigint)")
        } else {
            format!("seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n})")
        }
    }

    /// A timestamp `days` days after `base` (an SQL expression or literal).
    fn ts(&self, base: &str, days: &str) -> String {
        if self.postgres {
            format!("(CAST({base} AS TIMESTAMP) + ({days}) * INTERVAL '1 day')")
        } else {
            format!("datetime({base}, '+' || ({days}) || ' days')")
        }
    }

    fn date(&self, base: &str, days: &str) -> String {
        if self.postgres {
            format!("(CAST({base} AS DATE) + CAST({days} AS INTEGER))")
        } else {
            format!("date({base}, '+' || ({days}) || ' days')")
        }
    }
}

use crm_tests::seed::pick;

/// The insert triggers of migration 036, off: on PostgreSQL disabled, on
/// SQLite (which cannot disable one) dropped, and made again from the SQL
/// it stored for them.
struct PathTriggers {
    postgres: bool,
    stored: Vec<String>,
}

#[derive(diesel::QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

impl PathTriggers {
    const TABLES: [(&str, &str); 2] = [
        ("stage_changes", "stage_changes_path"),
        ("activities", "activities_path"),
    ];

    fn off(app: &TestApp, postgres: bool) -> Self {
        let mut stored = Vec::new();
        for (table, trigger) in Self::TABLES {
            if postgres {
                app.sql(&format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}"));
            } else {
                let sql: Vec<Stored> = app.db(|conn| {
                    use diesel::RunQueryDsl;
                    diesel::sql_query(format!(
                        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '{trigger}'"
                    ))
                    .load(conn)
                    .unwrap()
                });
                assert_eq!(sql.len(), 1, "trigger {trigger}");
                stored.extend(sql.into_iter().map(|s| s.sql));
                app.sql(&format!("DROP TRIGGER {trigger}"));
            }
        }
        PathTriggers { postgres, stored }
    }

    fn on(self, app: &TestApp) {
        for (table, trigger) in Self::TABLES {
            if self.postgres {
                app.sql(&format!("ALTER TABLE {table} ENABLE TRIGGER {trigger}"));
            }
        }
        for sql in &self.stored {
            app.sql(sql);
        }
    }

    /// Every deal's path, rebuilt as migration 036 rebuilds them: on
    /// PostgreSQL by its function, on SQLite by its table's trigger.
    fn fill(postgres: bool) -> &'static str {
        if postgres {
            "SELECT deal_path_rebuild(ARRAY(SELECT id FROM opportunities))"
        } else {
            "INSERT INTO deal_path_rebuilds (opportunity_id) SELECT id FROM opportunities"
        }
    }
}

/// Writes the data set; returns what was written.
fn generate(app: &TestApp, s: &Sql, customers: i64, first_rep: i64, stages: &[(i64, String)]) -> Vec<(String, f64)> {
    let mut timings = Vec::new();
    let mut step = |what: &str, sql: String| {
        let t = Instant::now();
        app.sql(&sql);
        timings.push((what.to_owned(), t.elapsed().as_secs_f64()));
    };
    let owner = format!("({first_rep} + (i % {REPS}))");
    let day = "(i % 365)";
    let base = "'2026-01-01 01:00:00'";
    let name = format!(
        "(CASE WHEN i % 4 = 0 THEN 'Acme Trading ' || i || ' Ltd' ELSE {} || '华信' || i || {} END)",
        pick(&["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京"], "i"),
        pick(
            &["科技有限公司", "贸易有限公司", "实业有限公司", "电子有限公司"],
            "i / 7"
        )
    );
    step(
        "customers",
        format!(
            "WITH RECURSIVE {} INSERT INTO customers (name, name_key, name_key_rev, grade, industry, region, \
             source, size_band, owner_id, owned_since, dealt, created_by, created_at, updated_at, last_contacted_at) \
             SELECT {name}, 'bench' || i, '-', {}, {}, {}, {}, {}, {owner}, {ts}, (i % 6 = 4), {owner}, {ts}, {ts}, {}
             FROM seq",
            s.seq(customers),
            pick(&["A", "B", "C"], "i"),
            pick(&["manufacturing", "retail", "it", "finance", "services"], "i / 3"),
            pick(&["east", "north", "south", "west"], "i / 5"),
            pick(&["website", "referral", "trade_show", "cold_call"], "i / 11"),
            pick(&["1-49", "50-199", "200-999", "1000+"], "i / 13"),
            s.ts(base, &format!("{day} + (i % 30)")),
            ts = s.ts(base, day),
        ),
    );
    // stage ordinal k = id % (open + 2): the open stages, then won, then lost
    let open: Vec<i64> = stages.iter().filter(|(_, k)| k == "open").map(|(id, _)| *id).collect();
    let won = stages.iter().find(|(_, k)| k == "won").unwrap().0;
    let lost = stages.iter().find(|(_, k)| k == "lost").unwrap().0;
    let kinds = i64::try_from(open.len()).unwrap() + 2;
    let mut by_ordinal: Vec<(i64, &str)> = open.iter().map(|id| (*id, "open")).collect();
    by_ordinal.push((won, "won"));
    by_ordinal.push((lost, "lost"));
    let stage_of: String = by_ordinal
        .iter()
        .enumerate()
        .map(|(k, (id, _))| format!(" WHEN {k} THEN {id}"))
        .collect();
    let status_of: String = by_ordinal
        .iter()
        .enumerate()
        .map(|(k, (_, st))| format!(" WHEN {k} THEN '{st}'"))
        .collect();
    let pipeline: i64 = app.count(&format!("SELECT pipeline_id AS n FROM stages WHERE id = {won}"));
    // each deal is written with its customer's grade (migration 037), so
    // SQLite's trigger only checks it; PostgreSQL's would lock each
    // customer in turn to read it, and is off for the bulk load
    if s.postgres {
        app.sql("ALTER TABLE opportunities DISABLE TRIGGER opportunities_grade");
    }
    step(
        "deals",
        format!(
            "INSERT INTO opportunities (customer_id, pipeline_id, stage_id, title, amount, currency, \
             expected_close_date, owner_id, status, stage_entered_at, closed_at, created_at, updated_at, \
             customer_grade) \
             SELECT c.id, {pipeline}, CASE c.id % {kinds}{stage_of} END, 'deal ' || c.id, \
             10000 + (c.id % 1000) * 1000, 'CNY', {}, c.owner_id, CASE c.id % {kinds}{status_of} END, \
             c.created_at, CASE WHEN c.id % {kinds} >= {} THEN {} END, c.created_at, c.created_at, c.grade \
             FROM customers c",
            s.date("'2026-01-01'", "c.id % 540"),
            kinds - 2,
            s.ts("c.created_at", "20"),
        ),
    );
    if s.postgres {
        app.sql("ALTER TABLE opportunities ENABLE TRIGGER opportunities_grade");
    }
    // each deal's path: into the first stage, then one stage every 3 days
    let mut path = Vec::new();
    for (k, (stage, status)) in by_ordinal.iter().enumerate() {
        let steps: Vec<i64> = match *status {
            "lost" => vec![open[0], *stage],
            "won" => open.iter().copied().chain([*stage]).collect(),
            _ => open[..=k].to_vec(),
        };
        for (j, to) in steps.iter().enumerate() {
            let from = if j == 0 {
                "NULL".to_owned()
            } else {
                steps[j - 1].to_string()
            };
            path.push(format!("({stage}, {from}, {to}, {})", j * 3));
        }
    }
    // the triggers that keep each deal's path (migration 036) rebuild it
    // on every stage change and activity of the deal: 8.5M rebuilds in
    // this bulk load. They are off for it, and the paths are filled in one
    // pass after, as the migration fills them.
    let path_triggers = PathTriggers::off(app, s.postgres);
    step(
        "stage history",
        format!(
            "WITH p(stage_id, from_id, to_id, day) AS (VALUES {}) \
             INSERT INTO stage_changes (opportunity_id, from_stage_id, to_stage_id, changed_by, changed_at, seconds_in_from) \
             SELECT o.id, p.from_id, p.to_id, o.owner_id, {}, CASE WHEN p.day = 0 THEN 0 ELSE 259200 END \
             FROM opportunities o JOIN p ON p.stage_id = o.stage_id",
            path.join(", "),
            s.ts("o.created_at", "p.day"),
        ),
    );
    // PostgreSQL's per-row trigger that keeps activity_days took over ten
    // minutes for these 5M rows (a plpgsql call and an upsert each): it is
    // off for the bulk load, and the counts are filled as its migration
    // fills them. SQLite's triggers stay on (137 s instead of 87 s).
    if s.postgres {
        app.sql("ALTER TABLE activities DISABLE TRIGGER activity_days_count");
    }
    step(
        "activities",
        format!(
            "WITH RECURSIVE {} INSERT INTO activities (customer_id, opportunity_id, kind, occurred_at, created_by, \
             created_at, key_person_met) \
             SELECT c.id, o.id, {}, {}, c.owner_id, c.created_at, (seq.i = 2) \
             FROM customers c JOIN opportunities o ON o.customer_id = c.id CROSS JOIN seq",
            s.seq(5),
            pick(&["call", "visit", "email", "meeting", "wechat"], "seq.i + c.id"),
            s.ts("c.created_at", "seq.i * 5 + c.id % 7"),
        ),
    );
    if s.postgres {
        step(
            "activity counts",
            "INSERT INTO activity_days (created_by, day, kind, n) \
             SELECT created_by, occurred_at::date, kind, COUNT(*) FROM activities \
             WHERE deleted_at IS NULL AND created_by IS NOT NULL \
             GROUP BY created_by, occurred_at::date, kind"
                .to_owned(),
        );
        app.sql("ALTER TABLE activities ENABLE TRIGGER activity_days_count");
    }
    step("deal paths", PathTriggers::fill(s.postgres).to_owned());
    path_triggers.on(app);
    step(
        "contracts",
        format!(
            "INSERT INTO contracts (number, customer_id, opportunity_id, title, amount, currency, signed_on, \
             owner_id, department_id, status, created_at, updated_at) \
             SELECT 'B-' || o.id, o.customer_id, o.id, 'contract', o.amount, 'CNY', {}, o.owner_id, \
             u.department_id, 'approved', o.closed_at, o.closed_at \
             FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.status = 'won'",
            s.date("o.closed_at", "0"),
        ),
    );
    step(
        "payments",
        format!(
            "INSERT INTO payments (contract_id, amount, received_on, owner_id, department_id, created_at) \
             SELECT id, amount / 2, {}, owner_id, department_id, created_at FROM contracts",
            s.date("signed_on", "10"),
        ),
    );
    step(
        "first wins",
        "INSERT INTO customer_wins (customer_id, won_on, owner_id, department_id, contract_id) \
         SELECT customer_id, signed_on, owner_id, department_id, id FROM contracts"
            .to_owned(),
    );
    step(
        "analyze",
        if s.postgres { "VACUUM ANALYZE" } else { "ANALYZE" }.to_owned(),
    );
    if !s.postgres {
        // each step above is one transaction of up to a few GB: SQLite's
        // write-ahead log was left 1.3 GB long after them, where a server's
        // stays a few MB (SQLite writes it back every 1,000 pages). So the
        // bulk load ends as a server's day does, with the log written back,
        // and the reports are timed over the database file (through its
        // memory map), not over pages still in the log.
        step("checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)".to_owned());
    }
    timings
}

/// The times of a few calls in the order made, or `None` when one did not
/// answer within the client's 60 s.
fn times_ms(app: &TestApp, token: &str, path: &str) -> Option<Vec<f64>> {
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        app.get(path).bearer(token).try_send().ok()?.expect(200);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Some(times)
}

/// The median of `times`, then each call's time in the order made.
fn describe(times: &[f64]) -> (f64, String) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let each: Vec<String> = times.iter().map(|t| format!("{t:.0}")).collect();
    (sorted[sorted.len() / 2], each.join(" / "))
}

fn run(postgres: bool, customers: i64) -> Vec<String> {
    let name = if postgres { "PostgreSQL" } else { "SQLite" };
    // a server that watches its database grow, with the housekeeping period
    // (hourly by default) short enough to pass once within the bench
    let app = TestApp::spawn_on(postgres, |c| c.limits.housekeeping_every = HOUSEKEEPING);
    let admin = app.admin_token();
    // the data set's customers are owned and never followed up: with the
    // short housekeeping period the pool sweep would return them all (and
    // change what the reports read) while they are timed
    app.req("PUT", "/api/v1/settings/pool")
        .bearer(&admin)
        .json(&serde_json::json!({
            "no_follow_up_days": {"a": null, "b": null, "c": null},
            "no_deal_days": {"a": null, "b": null, "c": null}
        }))
        .expect(200);
    let departments: Vec<i64> = (0..DEPARTMENTS)
        .map(|d| app.create_department(&admin, &format!("大区{d}"), None))
        .collect();
    let mut reps: Vec<TestUser> = Vec::new();
    for r in 0..REPS {
        let d = departments[usize::try_from(r % DEPARTMENTS).unwrap()];
        reps.push(app.user(&admin, &format!("rep{r}@example.com"), "rep", Some(d)));
    }
    let first_rep = reps[0].id;
    assert_eq!(
        reps[usize::try_from(REPS - 1).unwrap()].id,
        first_rep + REPS - 1,
        "rep ids are consecutive"
    );
    let pipelines = app.get("/api/v1/pipelines").bearer(&admin).send().expect(200).json();
    let default = pipelines
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap();
    let stages: Vec<(i64, String)> = default["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["kind"].as_str().unwrap().to_owned()))
        .collect();
    let t = Instant::now();
    let steps = generate(&app, &Sql { postgres }, customers, first_rep, &stages);
    let total = t.elapsed().as_secs_f64();
    let counts = format!(
        "{} customers, {} deals, {} stage changes, {} activities, {} contracts",
        app.count("SELECT COUNT(*) AS n FROM customers"),
        app.count("SELECT COUNT(*) AS n FROM opportunities"),
        app.count("SELECT COUNT(*) AS n FROM stage_changes"),
        app.count("SELECT COUNT(*) AS n FROM activities"),
        app.count("SELECT COUNT(*) AS n FROM contracts"),
    );
    if let (false, Ok(path)) = (postgres, std::env::var("CRM_BENCH_KEEP")) {
        // a copy of the data set to probe by hand with `crm serve`
        let _ = std::fs::remove_file(&path);
        app.sql(&format!("VACUUM INTO '{}'", path.replace('\'', "''")));
        println!("data set kept in {path}");
    }
    let detail: Vec<String> = steps.iter().map(|(w, s)| format!("{w} {s:.0} s")).collect();
    let mut lines = vec![format!(
        "| data set generated by SQL in {total:.0} s ({}) | {name} | | | {counts} |",
        detail.join(", ")
    )];
    settle(&app, postgres);
    let probes = probes();
    let grown: Vec<Option<Vec<f64>>> = probes
        .iter()
        .map(|(_, who, path)| times_ms(&app, if *who == "admin" { &admin } else { &reps[0].token }, path))
        .collect();
    // a fresh `crm serve` over the same data, once the grown one stopped:
    // its connections read the schema, and the statistics with it, now
    let mut app = app;
    app.stop();
    if !postgres {
        // a statistics refresh the stopped server's housekeeping began runs
        // to its end on a worker thread: wait for the write lock
        app.sql("BEGIN IMMEDIATE");
    }
    let fresh_app = app.beside(|_| {});
    let fresh: Vec<Option<Vec<f64>>> = probes
        .iter()
        .map(|(_, who, path)| times_ms(&fresh_app, if *who == "admin" { &admin } else { &reps[0].token }, path))
        .collect();
    drop(fresh_app);
    for (((what, _, path), grown), fresh) in probes.iter().zip(grown).zip(fresh) {
        let median = |t: &Option<Vec<f64>>| {
            t.as_deref()
                .map_or("> 60 s".to_owned(), |t| format!("{:.0} ms", describe(t).0))
        };
        let each = |t: &Option<Vec<f64>>| t.as_deref().map_or("timed out".to_owned(), |t| describe(t).1);
        let line = format!(
            "| {what} (`{path}`) | {name} | {} | {} | median of {ROUNDS} calls: {} ms on the server that watched the data grow, {} ms on a fresh one |",
            median(&grown),
            median(&fresh),
            each(&grown),
            each(&fresh),
        );
        println!("{line}");
        lines.push(line);
    }
    lines
}

/// Waits until the server that watched the data arrive has had a
/// housekeeping period since: on SQLite, until its statistics were published
/// to every connection (the schema version moves); on PostgreSQL, a period.
fn settle(app: &TestApp, postgres: bool) {
    if postgres {
        std::thread::sleep(HOUSEKEEPING * 2);
        return;
    }
    let version = || app.count("SELECT schema_version AS n FROM pragma_schema_version");
    let before = version();
    let deadline = Instant::now() + HOUSEKEEPING * 30;
    while version() == before && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    if version() == before {
        println!(
            "the server did not publish new statistics within {:?}",
            HOUSEKEEPING * 30
        );
    }
}

/// What is timed: (what, as whom, path).
fn probes() -> [(&'static str, &'static str, String); 8] {
    [
        (
            "funnel, a year, whole company",
            "admin",
            "/api/v1/reports/funnel?period=year&date=2026-06-01".into(),
        ),
        (
            "funnel, a month, one rep",
            "rep",
            "/api/v1/reports/funnel?period=month&date=2026-06-01".into(),
        ),
        (
            "customer analysis, a year, whole company",
            "admin",
            "/api/v1/reports/customers?period=year&date=2026-06-01".into(),
        ),
        (
            "forecast 2026, whole company",
            "admin",
            "/api/v1/reports/forecast?year=2026".into(),
        ),
        (
            "rankings, a year, all reps",
            "admin",
            "/api/v1/reports/rankings?period=year&date=2026-06-01".into(),
        ),
        (
            "process KPIs, a month, all reps",
            "admin",
            "/api/v1/reports/kpis?period=month&date=2026-06-01".into(),
        ),
        ("workbench of a rep", "rep", "/api/v1/me/workbench".into()),
        ("workbench of the admin", "admin", "/api/v1/me/workbench".into()),
    ]
}

fn main() {
    let customers: i64 = std::env::var("CRM_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut lines = Vec::new();
    for (skip, postgres) in [("CRM_BENCH_SKIP_SQLITE", false), ("CRM_BENCH_SKIP_PG", true)] {
        if std::env::var(skip).is_ok() {
            continue;
        }
        lines.extend(run(postgres, customers));
    }
    crm_tests::write_bench_section(
        "reports",
        &format!(
            "## Reports over {customers} customers (tests/benches/reports.rs)\n\n\
             | measure | backend | grown server | fresh server | notes |\n|---|---|---|---|---|\n{}",
            lines.join("\n")
        ),
    );
    println!("written to docs/benchmarks.md");
}
