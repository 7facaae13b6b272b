//! Connections: the backend is chosen from the URL scheme, SQLite connections
//! get their pragmas, and writes run in transactions that take SQLite's write
//! lock up front. The pool that holds them is `crate::db`; this module knows
//! nothing of pools, migrations or tables.

use std::path::{Path, PathBuf};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::RepoError;

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

pub(crate) fn one_line(s: &str) -> String {
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
