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
