//! Connections: the backend is chosen from the URL scheme, SQLite connections
//! get their pragmas, migrations run at start (`crate::migrations`), and writes run
//! in transactions that take SQLite's write lock up front.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::RepoError;

pub use crate::migrations::migrate;

/// One connection type for both backends, so query code is written once.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// `direct!(conn, |c| query.load(c))`: runs a read on the concrete
/// connection inside a [`DbConn`], the body type-checked once per backend.
/// Through `DbConn` diesel writes every statement's SQL text again on each
/// run and looks the statement up by that text (the multi-connection's
/// wrapper has no static query id): 10-15 % of a one-customer read. On the
/// concrete connection a statement whose type has a static query id is found
/// by its type. For hot reads with unboxed queries; the rest stays on `DbConn`.
macro_rules! direct {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConn::Sqlite($c) => $body,
            $crate::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use direct;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

impl Backend {
    /// Reads a `DATABASE_URL`: `postgres://…`/`postgresql://…`, or
    /// `sqlite://path`, `sqlite:path` or a bare file path for SQLite.
    pub fn from_url(url: &str) -> Result<Backend, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres { url: url.to_owned() });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!(
                "DATABASE_URL `{}` is neither postgres://… nor sqlite://<file>",
                redact(url)
            ));
        }
        if path == ":memory:" {
            return Err(
                "DATABASE_URL: an in-memory SQLite database would be one database per pooled connection; give a file"
                    .into(),
            );
        }
        Ok(Backend::Sqlite {
            path: PathBuf::from(path),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres { .. } => "PostgreSQL",
            Backend::Sqlite { .. } => "SQLite",
        }
    }

    /// Where the database is, without any password, for messages and logs.
    pub fn describe(&self) -> String {
        match self {
            Backend::Postgres { url } => format!("PostgreSQL at {}", redact(url)),
            Backend::Sqlite { path } => format!("SQLite file {}", path.display()),
        }
    }

    /// Opens one connection, with a message that says what failed and why.
    pub fn connect(&self) -> Result<DbConn, String> {
        match self {
            Backend::Postgres { url } => open_pg(url)
                .map(DbConn::Pg)
                .map_err(|e| format!("cannot connect to {}: {}", self.describe(), one_line(&e))),
            Backend::Sqlite { path } => open_sqlite(path)
                .map(DbConn::Sqlite)
                .map_err(|e| format!("cannot open {}: {}", self.describe(), one_line(&e))),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hides the password of a `scheme://user:password@host/db` URL.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

/// SQL statements this process has sent, on every connection: for
/// `/metrics` and the load benchmark's statements per request.
static STATEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn statements_run() -> u64 {
    STATEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}

fn count_statements(event: diesel::connection::InstrumentationEvent<'_>) {
    if matches!(event, diesel::connection::InstrumentationEvent::StartQuery { .. }) {
        STATEMENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn open_pg(url: &str) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    conn.set_instrumentation(count_statements);
    Ok(conn)
}

/// On PostgreSQL, plans each statement of the rest of the transaction for
/// its parameters (`SET LOCAL plan_cache_mode = force_custom_plan`); a
/// no-op on SQLite. For imports: a table an import fills grows faster than
/// autovacuum's ANALYZE follows, and a generic plan cached while it was
/// small (a seq scan for `key = ANY($1)`) would stay in use as it grows
/// (600 rows/s on a lead import; docs/benchmarks.md). Everywhere else the
/// connection keeps PostgreSQL's default (`auto`), which reuses a generic
/// plan for a statement that keeps getting the same one: planning each
/// statement every time halved the rate of `GET /customers/{id}`
/// (docs/benchmarks.md).
pub fn plan_each_statement(conn: &mut DbConn) -> Result<(), RepoError> {
    if let DbConn::Pg(c) = conn {
        c.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")?;
    }
    Ok(())
}

fn open_sqlite(path: &Path) -> Result<SqliteConnection, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
    }
    let text = path.to_str().ok_or("the path is not UTF-8")?;
    let mut conn = SqliteConnection::establish(text).map_err(|e| e.to_string())?;
    conn.set_instrumentation(count_statements);
    // busy_timeout first: switching to WAL itself may wait for a lock.
    // synchronous = FULL: a commit the API acknowledged survives a power loss
    // (NORMAL may lose the last transactions in WAL mode).
    // temp_store = MEMORY: the statement journals of savepoints (every write
    // runs in one, crate::group_commit) stay in memory instead of temp files.
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| e.to_string())?;
    Ok(conn)
}

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

/// The connection pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite takes one writer at a time: this process's writers queue here,
    /// in order, instead of polling SQLite's lock (its busy handler sleeps
    /// in growing steps, so under load a writer could wait out the 5 s
    /// timeout and fail with "database is locked"), and commit together.
    writer: std::sync::Arc<crate::group_commit::GroupCommit>,
    /// The name grams known to be common in this database.
    common_grams: std::sync::Arc<crate::name_index::CommonGrams>,
}

impl Db {
    /// Connections the pool holds at most.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// The name grams known to be common in this database, for look-alike
    /// searches (`name_index::CommonGrams`).
    pub fn common_grams(&self) -> &crate::name_index::CommonGrams {
        &self.common_grams
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend.describe()).finish()
    }
}

impl Db {
    /// Connects once (failing with a one-line reason), migrates, then builds the pool.
    pub fn open(backend: Backend, pool_size: u32) -> Result<Db, String> {
        let mut first = backend.connect()?;
        let migrated = migrate(&mut first)?;
        let indexed =
            crate::name_index::build_if_needed(&mut first).map_err(|e| format!("cannot index customer names: {e}"))?;
        if indexed > 0 {
            log::info!("indexed the names of {indexed} existing customers for look-alike searches");
        }
        drop(first);
        if migrated > 0 {
            crate::statistics::renew(&backend)?;
        }
        Ok(Db::pool(backend, pool_size, false))
    }

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

    fn pool(backend: Backend, pool_size: u32, read_only: bool) -> Db {
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
            common_grams: Default::default(),
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

/// A transaction for a business operation that writes. On SQLite it begins with
/// `BEGIN IMMEDIATE`, so a read-then-write never fails with "database is locked"
/// halfway; on PostgreSQL it is a plain transaction. Rolled back on any error,
/// whose type is the operation's own (as with diesel's `Connection::transaction`).
pub fn write_tx<T, E: From<RepoError>>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c),
    };
    begun.map_err(RepoError::from)?;
    let result = f(conn);
    let end = match (&result, &mut *conn) {
        (Ok(_), DbConn::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), DbConn::Pg(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConn::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), DbConn::Pg(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(RepoError::from(e).into()),
        (Err(e), _) => Err(e),
    }
}

/// A cheap query proving the database answers.
pub fn ping(conn: &mut DbConn) -> Result<(), RepoError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}
