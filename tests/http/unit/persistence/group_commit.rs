//! Unit tests of `persistence::group_commit`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use persistence::group_commit::*;
use persistence::{Backend, DbConn, RepoError};
use std::sync::Arc;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A scratch database file, removed with its WAL files when dropped.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn fresh(name: &str) -> (Backend, Scratch) {
    let path = std::env::temp_dir().join(format!("crm-group-commit-{name}-{}.db", std::process::id()));
    // dropping the guard first removes what an interrupted run left
    drop(Scratch(path.clone()));
    let scratch = Scratch(path.clone());
    let backend = Backend::Sqlite { path };
    let mut conn = backend.connect().unwrap();
    conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)")
        .unwrap();
    (backend, scratch)
}

fn insert(conn: &mut DbConn, n: i64) -> Result<(), RepoError> {
    diesel::sql_query(format!("INSERT INTO t (n) VALUES ({n})")).execute(conn)?;
    Ok(())
}

fn stored(backend: &Backend) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = backend.connect().unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT n FROM t ORDER BY n").load(&mut conn).unwrap();
    rows.into_iter().map(|r| r.n).collect()
}

#[test]
fn concurrent_writers_share_commits_and_keep_their_own_outcome() {
    let (backend, _scratch) = fresh("share");
    let writer = Arc::new(GroupCommit::default());
    let threads: Vec<_> = (0..12_i64)
        .map(|t| {
            let (writer, backend) = (writer.clone(), backend.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0..40_i64 {
                    let n = t * 1000 + i;
                    let outcome = writer.write(&backend, |conn| {
                        insert(conn, n)?;
                        // every fifth fails after writing: nothing of it may stay
                        if i % 5 == 4 {
                            insert(conn, n + 500)?;
                            return Err(RepoError::Stale);
                        }
                        Ok(())
                    });
                    match outcome {
                        Ok(()) => acknowledged.push(n),
                        Err(RepoError::Stale) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut acknowledged: Vec<i64> = threads.into_iter().flat_map(|h| h.join().unwrap()).collect();
    acknowledged.sort_unstable();
    assert_eq!(acknowledged.len(), 12 * 32);
    assert_eq!(
        stored(&backend),
        acknowledged,
        "exactly the acknowledged writes are stored"
    );
    let batches = writer.batches();
    assert!(batches < 12 * 40, "{batches} batches for {} writes", 12 * 40);
}

#[test]
fn a_refused_statement_leaves_the_rest_of_the_operation() {
    let (backend, _scratch) = fresh("refused");
    let writer = GroupCommit::default();
    writer.write(&backend, |conn| insert(conn, 1)).unwrap();
    let duplicate = writer.write(&backend, |conn| {
        insert(conn, 2)?;
        let refused = insert(conn, 1);
        assert!(matches!(refused, Err(RepoError::Conflict { .. })));
        insert(conn, 3)
    });
    assert!(duplicate.is_ok());
    assert_eq!(stored(&backend), [1, 2, 3]);
    let count: Count = writer
        .write(&backend, |conn| {
            diesel::sql_query("SELECT COUNT(*) AS n FROM t")
                .get_result(conn)
                .map_err(RepoError::from)
        })
        .unwrap();
    assert_eq!(count.n, 3);
}

#[test]
fn a_panicking_operation_stores_nothing_and_the_next_write_works() {
    let (backend, _scratch) = fresh("panic");
    let writer = Arc::new(GroupCommit::default());
    let w = writer.clone();
    let b = backend.clone();
    let panicked = std::thread::spawn(move || {
        w.write(&b, |conn| -> Result<(), RepoError> {
            insert(conn, 7)?;
            panic!("a bug in an operation");
        })
    })
    .join();
    assert!(panicked.is_err());
    writer.write(&backend, |conn| insert(conn, 8)).unwrap();
    assert_eq!(stored(&backend), [8]);
}
