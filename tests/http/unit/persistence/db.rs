//! Unit tests of `persistence::db`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use persistence::db::*;

#[test]
fn urls_choose_the_backend() {
    assert_eq!(
        Backend::from_url("postgres://u:p@h/db"),
        Ok(Backend::Postgres {
            url: "postgres://u:p@h/db".into()
        })
    );
    assert_eq!(
        Backend::from_url("sqlite://data/crm.db"),
        Ok(Backend::Sqlite {
            path: "data/crm.db".into()
        })
    );
    assert_eq!(
        Backend::from_url("sqlite:x.db"),
        Ok(Backend::Sqlite { path: "x.db".into() })
    );
    assert_eq!(
        Backend::from_url("./x.db"),
        Ok(Backend::Sqlite { path: "./x.db".into() })
    );
    assert!(Backend::from_url("mysql://u@h/db").is_err());
    assert!(Backend::from_url("sqlite::memory:").is_err());
    assert!(Backend::from_url("").is_err());
}

#[test]
fn passwords_never_reach_messages() {
    assert_eq!(
        redact("postgres://crm:s3cret@db:5432/crm"),
        "postgres://crm:***@db:5432/crm"
    );
    assert_eq!(redact("postgres://crm@db/crm"), "postgres://crm@db/crm");
    let err = Backend::from_url("mysql://root:hunter2@h/db").err().unwrap_or_default();
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_report_grows_the_sqlite_page_cache_and_gives_it_back() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    let size = |conn: &mut DbConn| -> Result<i64, persistence::RepoError> {
        Ok(diesel::sql_query("PRAGMA cache_size")
            .get_result::<Size>(conn)?
            .cache_size)
    };
    let dir = std::env::temp_dir().join(format!("crm-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cache.db");
    let db = Db::open(Backend::Sqlite { path: path.clone() }, 1).unwrap();
    assert_eq!(db.run(size).unwrap(), -SQLITE_CACHE_KIB);
    assert_eq!(db.run_report(size).unwrap(), -REPORT_CACHE_KIB);
    // and maps up to 64 GiB of the file (SQLite caps the map at its
    // compile-time limit without a word: 2 GiB by default)
    #[derive(QueryableByName)]
    struct Map {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mmap_size: i64,
    }
    let map = |conn: &mut DbConn| -> Result<i64, persistence::RepoError> {
        Ok(diesel::sql_query("PRAGMA mmap_size").get_result::<Map>(conn)?.mmap_size)
    };
    assert_eq!(db.run_report(map).unwrap(), REPORT_MMAP_BYTES);
    assert_eq!(REPORT_MMAP_BYTES, 1 << 36);
    assert_eq!(db.run(map).unwrap(), 0);
    // the one pooled connection is back to the default, after an error too
    assert_eq!(db.run(size).unwrap(), -SQLITE_CACHE_KIB);
    let failed: Result<(), persistence::RepoError> =
        db.run_report(|_| Err(persistence::RepoError::Corrupt("a failing report".into())));
    assert!(failed.is_err());
    assert_eq!(db.run(size).unwrap(), -SQLITE_CACHE_KIB);
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}

/// The bundled SQLite is built as `.cargo/config.toml` says. Above all with
/// the query planner stability guarantee (QPSG): SQLite 3.53 otherwise reads
/// a bound `LIMIT ?` as a constant while planning, so every statement with a
/// LIMIT (each `.first()`) was compiled again on each run, because diesel
/// binds the value anew (a third of the CPU of `GET /customers/{id}`).
#[test]
fn the_bundled_sqlite_keeps_its_plans_and_has_no_per_call_mutexes() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Option_ {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }
    let dir = std::env::temp_dir().join(format!("crm-options-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::open(
        Backend::Sqlite {
            path: dir.join("options.db"),
        },
        1,
    )
    .unwrap();
    let options: Vec<String> = db
        .run(|conn| -> Result<_, persistence::RepoError> {
            Ok(diesel::sql_query("PRAGMA compile_options").load::<Option_>(conn)?)
        })
        .unwrap()
        .into_iter()
        .map(|o| o.compile_options)
        .collect();
    for wanted in [
        "ENABLE_QPSG",
        "THREADSAFE=2",
        "DEFAULT_MEMSTATUS=0",
        "MAX_MMAP_SIZE=0x1000000000",
    ] {
        assert!(options.iter().any(|o| o == wanted), "{wanted} missing from {options:?}");
    }
    assert!(!options.iter().any(|o| o == "ENABLE_STAT4"), "{options:?}");
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}
