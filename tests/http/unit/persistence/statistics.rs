//! The planner's statistics on SQLite (`persistence::statistics`): a table
//! with rows gets them, again when it grows tenfold, and afresh after they
//! are forgotten (as after migrations); housekeeping refreshes them.

use std::time::{Duration, Instant};

use crm_tests::TestApp;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use persistence::DbConn;
use persistence::db::{Backend, Db};

#[derive(diesel::QueryableByName)]
struct Stat {
    #[diesel(sql_type = diesel::sql_types::Text)]
    stat: String,
}

/// The rows SQLite's statistics give the index `idx` (the first number of
/// its `sqlite_stat1` row), if it has any.
fn rows_of(conn: &mut DbConn, idx: &str) -> Option<u64> {
    let DbConn::Sqlite(c) = conn else { return None };
    let kept: Vec<Stat> = diesel::sql_query("SELECT name AS stat FROM sqlite_master WHERE name = 'sqlite_stat1'")
        .load(c)
        .unwrap();
    if kept.is_empty() {
        return None;
    }
    let stats: Vec<Stat> = diesel::sql_query(format!("SELECT stat FROM sqlite_stat1 WHERE idx = '{idx}'"))
        .load(c)
        .unwrap();
    stats.first()?.stat.split(' ').next()?.parse().ok()
}

fn insert(conn: &mut DbConn, n: usize) {
    let DbConn::Sqlite(c) = conn else { return };
    let rows: Vec<String> = (0..n).map(|i| format!("('{}')", i % 7)).collect();
    c.batch_execute(&format!("INSERT INTO probe (a) VALUES {}", rows.join(", ")))
        .unwrap();
}

#[test]
fn a_table_is_analyzed_once_it_has_rows_and_again_as_it_grows() {
    let path = std::env::temp_dir().join(format!("crm-stats-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let backend = Backend::from_url(&format!("sqlite://{}", path.display())).unwrap();
    // migrations run on a new file: nothing to analyze yet, and no error
    drop(Db::open(backend.clone(), 2).unwrap());
    let mut conn = backend.connect().unwrap();
    if let DbConn::Sqlite(c) = &mut conn {
        c.batch_execute("CREATE TABLE probe (a TEXT); CREATE INDEX probe_a ON probe (a)")
            .unwrap();
    }
    persistence::statistics::refresh(&mut conn).unwrap();
    assert_eq!(rows_of(&mut conn, "probe_a"), None, "an empty table is left alone");
    insert(&mut conn, 30);
    persistence::statistics::refresh(&mut conn).unwrap();
    assert_eq!(rows_of(&mut conn, "probe_a"), Some(30));
    // the same long-lived connection sees the table grow tenfold
    insert(&mut conn, 300);
    persistence::statistics::refresh(&mut conn).unwrap();
    assert_eq!(rows_of(&mut conn, "probe_a"), Some(330));
    // a little growth leaves them be; forgotten, they are taken afresh by
    // the next connection
    insert(&mut conn, 20);
    persistence::statistics::refresh(&mut conn).unwrap();
    assert_eq!(rows_of(&mut conn, "probe_a"), Some(330));
    persistence::statistics::forget(&mut conn).unwrap();
    assert_eq!(rows_of(&mut conn, "probe_a"), None);
    drop(conn);
    let mut next = backend.connect().unwrap();
    persistence::statistics::refresh(&mut next).unwrap();
    assert_eq!(rows_of(&mut next, "probe_a"), Some(350));
    drop(next);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn housekeeping_gives_the_planner_statistics() {
    let app = TestApp::spawn_on(false, |c| c.limits.housekeeping_every = Duration::from_secs(1));
    let admin = app.admin_token();
    for name in ["统计一公司", "统计二公司", "统计三公司"] {
        app.post("/api/v1/customers")
            .bearer(&admin)
            .json(&serde_json::json!({ "name": name }))
            .expect(201);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let analyzed = loop {
        let rows = app.db(|conn| rows_of(conn, "customers_owner"));
        if rows.is_some() || Instant::now() > deadline {
            break rows;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(analyzed, Some(3), "the customers analyzed by a housekeeping period");
}

/// The customer analysis's count of a rep's new customers in a month
/// (`reports::customer_analysis`): by the rep's customers
/// (`customers_held`) while the planner knows nothing of the table, by the
/// month (`customers_created`) once it knows the rep holds all of them.
fn new_customers_of(rep: i64) -> String {
    format!(
        "SELECT COUNT(*) AS n FROM customers WHERE created_at >= '2026-01-01' AND created_at < '2026-02-01' \
         AND deleted_at IS NULL AND merged_into IS NULL AND owner_id IN ({rep})"
    )
}

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

#[derive(diesel::QueryableByName)]
struct Detail {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Runs `sql` (so that the connection notices a changed schema, as a report
/// would), then answers its count and its plan, on one connection.
fn plan(conn: &mut DbConn, sql: &str) -> (i64, String) {
    let n = diesel::sql_query(sql).get_result::<N>(conn).unwrap().n;
    let plan = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<Detail>(c)
            .unwrap()
            .into_iter()
            .map(|d| d.detail)
            .collect::<Vec<_>>()
            .join("; "),
        DbConn::Pg(c) => diesel::sql_query(format!("EXPLAIN {sql}"))
            .load::<PlanLine>(c)
            .unwrap()
            .into_iter()
            .map(|d| d.line)
            .collect::<Vec<_>>()
            .join("; "),
    };
    (n, plan)
}

/// The plan of `sql` on every connection of `pool`, all of them checked
/// out together (so none is planned twice).
fn plans_on_every_connection(pool: &Db, sql: &str) -> Vec<(i64, String)> {
    fn each(pool: &Db, left: u32, sql: &str, out: &mut Vec<(i64, String)>) {
        pool.run(|conn| -> Result<(), persistence::RepoError> {
            out.push(plan(conn, sql));
            if left > 1 {
                each(pool, left - 1, sql, out);
            }
            Ok(())
        })
        .unwrap();
    }
    let mut out = Vec::new();
    each(pool, pool.pool_size(), sql, &mut out);
    out
}

#[test]
fn a_server_that_watched_a_table_grow_plans_its_reports_with_the_new_statistics_on_every_connection() {
    let app = TestApp::spawn_with(|c| c.limits.housekeeping_every = Duration::from_secs(1));
    let admin = app.admin_token();
    let rep = app.create_user(&admin, "grown@example.com", "rep", None);
    let sql = new_customers_of(rep);
    let pool = app.reports_pool();
    // every connection has read the schema while the table was empty
    let before = plans_on_every_connection(pool, &sql);
    assert_eq!(before.len(), 4, "{before:?}");
    // 20,000 customers of the rep, 50 a day from 2025-01-01, added behind the server's back
    let days = |n: &str| {
        if crm_tests::backend_is_postgres() {
            format!("(TIMESTAMP '2025-01-01' + ({n}) * INTERVAL '1 day')")
        } else {
            format!("datetime('2025-01-01', '+' || ({n}) || ' days')")
        }
    };
    // both backends read a recursive CTE
    let seq = "RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 20000)";
    app.sql(&format!(
        "WITH {seq} INSERT INTO customers (name, name_key, name_key_rev, owner_id, created_by, created_at, updated_at) \
         SELECT 'grown ' || i, 'grown' || i, i || 'nworg', {rep}, {rep}, {at}, {at} FROM seq",
        at = days("i / 50")
    ));
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let plans = plans_on_every_connection(pool, &sql);
        if plans.iter().all(|(_, p)| p.contains("customers_created")) || Instant::now() > deadline {
            break plans;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(before.iter().all(|(n, _)| *n == 0), "{before:?}");
    // January 2026 is days 365-395 of the rows: 31 days of 50
    assert!(after.iter().all(|(n, _)| *n == 1550), "{after:?}");
    assert!(
        after.iter().all(|(_, p)| p.contains("customers_created")),
        "before: {before:?}\nafter the housekeeping periods: {after:?}"
    );
}
