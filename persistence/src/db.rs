//! The connection pool: pooled connections for reads and reports, the
//! writers' queue on SQLite (`crate::group_commit`), and state kept per
//! database by the modules that need it (`Db::shared`). Opening a database
//! (migrations, the name index, statistics) is `crate::open`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::RepoError;
use crate::conn::one_line;
pub use crate::conn::{Backend, DbConn, MultiBackend, ping, plan_each_statement, redact, statements_run, write_tx};
use crate::group_commit::GroupCommit;
pub use crate::migrations::migrate;

struct Manager {
    backend: Backend,
    /// Connections to a read replica refuse any write, so a mistake shows.
    read_only: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        let mut conn = self.backend.connect().map_err(ConnectError)?;
        if self.read_only {
            conn.batch_execute("SET default_transaction_read_only = on")
                .map_err(|e| ConnectError(e.to_string()))?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// SQLite's page cache per connection: its default.
pub const SQLITE_CACHE_KIB: i64 = 2_000;
/// SQLite's page cache of a connection while it runs a report.
pub const REPORT_CACHE_KIB: i64 = 65_536;
/// The most of the database file a report maps into memory: 64 GiB, the
/// bundled SQLite's compile-time cap (`SQLITE_MAX_MMAP_SIZE` in
/// .cargo/config.toml; SQLite's own default is 2 GiB). The 1M data set of
/// the reports benchmark is a 2.6 GB file, and with a 2 GiB map the pages
/// past it (all of `deal_paths` and `contracts` in the kept copy) were read
/// by `pread` into the page cache, a copy and an allocation each.
pub const REPORT_MMAP_BYTES: i64 = 1 << 36;

/// Puts an SQLite connection in report mode (`on`) or back (a no-op on
/// PostgreSQL). In report mode its page cache grows to
/// [`REPORT_CACHE_KIB`]: a whole-company report joins a million rows to
/// another table, and the default 2 MiB cache evicted the b-tree pages it
/// came back to, so each lookup became a read from the file (the forecast
/// over 1M deals: 5.2 s, 2.5 s with 64 MiB). And it reads the database file
/// through a memory map of up to [`REPORT_MMAP_BYTES`] instead of copying
/// each page out of the kernel's cache (`pread`): in the `sqlite3` shell
/// over the 1M data set, half of the funnel's history scan went from 0.18 s
/// to 0.11 s and the customer analysis's buyers from 0.25 s to 0.18 s. The
/// map is dropped when the report ends, so the pages it touched do not stay
/// in the server's resident memory.
fn report_mode(conn: &mut DbConn, on: bool) -> Result<(), RepoError> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Ok(());
    }
    let (kib, mmap) = if on {
        (REPORT_CACHE_KIB, REPORT_MMAP_BYTES)
    } else {
        (SQLITE_CACHE_KIB, 0)
    };
    diesel::connection::SimpleConnection::batch_execute(
        conn,
        &format!("PRAGMA cache_size = -{kib}; PRAGMA mmap_size = {mmap};"),
    )
    .map_err(RepoError::from)
}

/// Values kept per database, by type (`Db::shared`).
#[derive(Default)]
struct Shared(Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

/// The connection pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite takes one writer at a time: this process's writers queue here,
    /// in order, instead of polling SQLite's lock (its busy handler sleeps
    /// in growing steps, so under load a writer could wait out the 5 s
    /// timeout and fail with "database is locked"), and commit together.
    writer: Arc<GroupCommit>,
    /// What other modules keep per database, one value per type.
    shared: Arc<Shared>,
}

impl Db {
    /// Connections the pool holds at most.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// The value of type `T` this database keeps for whoever asks (the
    /// name grams known to be common, `customers::name_index::CommonGrams`),
    /// made with `T::default()` on first use. The pool knows no module that
    /// keeps state in it.
    pub fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut values = self.shared.0.lock().unwrap_or_else(PoisonError::into_inner);
        let value = values
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        // the entry of T's id holds a T
        value.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend.describe()).finish()
    }
}

impl Db {
    /// A pool on a PostgreSQL read replica (a hot standby of the primary):
    /// connects once to fail at start with a reason, never migrates (the
    /// primary's migrations reach it by replication), and every connection
    /// is read-only.
    pub fn open_replica(backend: Backend, pool_size: u32) -> Result<Db, String> {
        if !matches!(backend, Backend::Postgres { .. }) {
            return Err("a read replica is a PostgreSQL database: postgres://…".into());
        }
        let mut first = backend.connect()?;
        first
            .batch_execute("SELECT 1 FROM __diesel_schema_migrations LIMIT 1")
            .map_err(|e| {
                format!(
                    "{} holds no migrated database: {}",
                    backend.describe(),
                    one_line(&e.to_string())
                )
            })?;
        drop(first);
        Ok(Db::pool(backend, pool_size, true))
    }

    pub(crate) fn pool(backend: Backend, pool_size: u32, read_only: bool) -> Db {
        let is_pg = matches!(backend, Backend::Postgres { .. });
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .test_on_check_out(is_pg)
            .connection_timeout(Duration::from_secs(10))
            .build_unchecked(Manager {
                backend: backend.clone(),
                read_only,
            });
        Db {
            pool,
            backend,
            writer: Default::default(),
            shared: Default::default(),
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Runs `f` on a pooled connection. Blocking: call it from a worker thread.
    pub fn run<T, E: From<RepoError>>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(RepoError::from)?;
        f(&mut conn)
    }

    /// Runs a report's reads. On SQLite the connection is in report mode
    /// while they run ([`report_mode`]), and back to its everyday settings
    /// afterwards, so idle connections stay small.
    pub fn run_report<T, E: From<RepoError>>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(RepoError::from)?;
        report_mode(&mut conn, true)?;
        let out = f(&mut conn);
        report_mode(&mut conn, false)?;
        out
    }

    /// [`Db::run_report`], with a second pooled connection when one is free
    /// (`None` when not), for a report that reads part of its rows on
    /// another thread; it is in report mode too.
    pub fn run_report_split<T, E: From<RepoError>>(
        &self,
        f: impl FnOnce(&mut DbConn, Option<&mut DbConn>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.run_report(|conn| {
            let mut helper = self.pool.try_get();
            if let Some(h) = helper.as_deref_mut() {
                report_mode(h, true)?;
            }
            let out = f(conn, helper.as_deref_mut());
            if let Some(h) = helper.as_deref_mut() {
                report_mode(h, false)?;
            }
            out
        })
    }

    /// Runs `f` in a write transaction: on PostgreSQL its own, on a pooled
    /// connection; on SQLite a savepoint in the writer connection's open
    /// transaction, committed with the writers queued behind it
    /// ([`crate::group_commit`]). Either way `f`'s writes are durable when
    /// this returns `Ok`, and none of them is stored when it returns `Err`.
    pub fn write<T, E: From<RepoError>>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        match self.backend {
            Backend::Sqlite { .. } => self.writer.write(&self.backend, f),
            Backend::Postgres { .. } => {
                let mut conn = self.pool.get().map_err(RepoError::from)?;
                write_tx(&mut conn, f)
            }
        }
    }

    /// Runs `f`, whose statements are each atomic on their own (an INSERT
    /// that a unique index may refuse, then a conditional UPDATE): on
    /// PostgreSQL without a transaction, where a refused statement would
    /// abort it; on SQLite in the writers' queue, as [`Db::write`] does.
    pub fn write_autocommit<T, E: From<RepoError>>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        match self.backend {
            Backend::Sqlite { .. } => self.writer.write(&self.backend, f),
            Backend::Postgres { .. } => self.run(f),
        }
    }
}
