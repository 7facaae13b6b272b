//! The query planner's statistics on SQLite. SQLite has none until
//! `ANALYZE` runs, and nothing ran it on an install: at 1M customers the
//! reports were planned without them, the process KPIs in 3.5 s instead of
//! 0.11 s, the rankings in 2.2-2.5 s instead of 0.2 s, the customer
//! analysis in 2.8 s instead of 0.6 s (docs/benchmarks.md). PostgreSQL's
//! autovacuum analyzes its tables on its own: both calls are no-ops there.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::conn::Backend;
use crate::{DbConn, RepoError};

/// The tables never analyzed, or grown or shrunk tenfold since they were,
/// analyzed within the sample SQLite bounds itself (`PRAGMA
/// optimize=0x10002`, SQLite 3.46+; 6.6 s for the 1M data set the first
/// time, nothing when nothing moved). A connection judges by the statistics
/// it loaded when it opened.
pub fn refresh(conn: &mut DbConn) -> Result<(), RepoError> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA optimize=0x10002")?;
    }
    Ok(())
}

/// Forgets every table's statistics, so that the next [`refresh`] on a
/// connection opened after it analyzes every table again: after migrations,
/// whose new indexes `refresh` would leave without statistics on a table
/// already analyzed.
pub fn forget(conn: &mut DbConn) -> Result<(), RepoError> {
    if let DbConn::Sqlite(c) = conn {
        let kept: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1')",
        ))
        .get_result(c)?;
        if kept > 0 {
            c.batch_execute("DELETE FROM sqlite_stat1")?;
        }
    }
    Ok(())
}

/// After migrations, which may have made indexes: every table's statistics
/// forgotten, then taken afresh on a connection that has not loaded them.
pub fn renew(backend: &Backend) -> Result<(), String> {
    forget(&mut backend.connect()?).map_err(|e| format!("cannot forget the statistics: {e}"))?;
    refresh(&mut backend.connect()?).map_err(|e| format!("cannot analyze: {e}"))
}
