//! The PostgreSQL side of the test databases: one migrated template per
//! set of migrations, test databases cloned from it ahead of need, and the
//! databases of ended runs dropped.

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::path::PathBuf;

use crate::unique_name;

/// The PostgreSQL server the tests create their databases on.
pub(crate) fn pg_admin_url() -> String {
    std::env::var("CRM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub(crate) fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => admin,
    }
}

/// A PostgreSQL database migrated once and cloned for every test
/// (`CREATE DATABASE ... TEMPLATE`), named after the migrations it holds, so
/// a run migrates at most once and a changed migration gets a new template.
fn pg_template() -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path().join("up.sql")))
            .collect();
        files.sort();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for f in &files {
            f.file_name().hash(&mut hasher);
            std::fs::read_to_string(f).unwrap_or_default().hash(&mut hasher);
        }
        let name = format!("crm_template_{:016x}", hasher.finish());
        let mut admin = PgConnection::establish(&pg_admin_url())
            .unwrap_or_else(|e| panic!("PostgreSQL at {} does not answer: {e}", pg_admin_url()));
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result::<N>(&mut admin)
        .unwrap()
        .n > 0;
        drop_strays(&mut admin);
        if !exists {
            // migrate under a private name, then rename: a half-built template
            // is never visible, and two racing runs both end with one
            let building = format!("{name}_{}", unique_name());
            diesel::sql_query(format!("CREATE DATABASE \"{building}\""))
                .execute(&mut admin)
                .unwrap();
            let backend = persistence::Backend::from_url(&pg_url_for(&building)).unwrap();
            let mut conn = backend.connect().unwrap();
            persistence::db::migrate(&mut conn).unwrap();
            drop(conn);
            let renamed =
                diesel::sql_query(format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).execute(&mut admin);
            if renamed.is_err() {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
        name
    })
}

/// A new database cloned from the template. Cloning takes about 0.9 s here
/// (PostgreSQL 15 writes every block of the template to its WAL) while a
/// test mostly waits on its server, so two background threads keep a small
/// stock cloned ahead: about a minute less for the PostgreSQL run. The stock
/// left when the run ends is dropped by the next run ([`drop_strays`]).
pub(crate) fn pg_clone() -> String {
    static STOCK: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Receiver<String>>> = std::sync::OnceLock::new();
    let stock = STOCK.get_or_init(|| {
        let template = pg_template().to_owned();
        let (tx, rx) = std::sync::mpsc::sync_channel::<String>(2);
        for _ in 0..2 {
            let (tx, template) = (tx.clone(), template.clone());
            std::thread::spawn(move || {
                let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) else {
                    return; // the receiver's recv fails and says so
                };
                loop {
                    let db = format!("crm_test_{}", unique_name());
                    if let Err(e) = diesel::sql_query(format!("CREATE DATABASE \"{db}\" TEMPLATE \"{template}\""))
                        .execute(&mut admin)
                    {
                        eprintln!("cannot clone the test template {template}: {e}");
                        return;
                    }
                    if tx.send(db.clone()).is_err() {
                        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{db}\"")).execute(&mut admin);
                        return;
                    }
                }
            });
        }
        std::sync::Mutex::new(rx)
    });
    stock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .recv()
        .expect("no test database could be cloned (see the message above)")
}

/// Drops the test databases of runs that have ended (`crm_test_<pid>_…`
/// whose process is gone): a killed run, or the stock a run left.
fn drop_strays(admin: &mut PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'crm\\_test\\_%'")
        .load(admin)
        .unwrap_or_default();
    for Name { datname } in names {
        let pid = datname.trim_start_matches("crm_test_").split('_').next().unwrap_or("");
        let gone = !pid.is_empty()
            && pid.chars().all(|c| c.is_ascii_digit())
            && !std::path::Path::new(&format!("/proc/{pid}")).exists();
        if gone {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)")).execute(admin);
        }
    }
}
