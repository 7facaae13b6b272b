//! The query planner's statistics. SQLite has none until `ANALYZE` runs,
//! and nothing ran it on an install: at 1M customers the reports were
//! planned without them, the process KPIs in 3.5 s instead of 0.11 s, the
//! rankings in 2.2-2.5 s instead of 0.2 s, the customer analysis in 2.8 s
//! instead of 0.6 s (docs/benchmarks.md).
//!
//! And a connection plans with the statistics it loaded when it last read
//! the schema: SQLite reads `sqlite_stat1` with the schema, and `ANALYZE`
//! (or `PRAGMA optimize`) on one connection reloads them on that connection
//! only, since new statistics are not a schema change. A server that
//! watched its database grow kept planning its reports, on every pooled
//! connection, with what they held when the database was small (5-20x
//! slower, docs/benchmarks.md). So when the statistics change, [`keep`]
//! changes the schema (a view made and dropped), which every connection
//! notices at its next statement and reads again, statistics included;
//! SQLite prepares its cached statements again on such a change.
//! (`ANALYZE sqlite_schema` reloads them too, but it takes the write lock,
//! which the writers' queue holds most of the time.)
//!
//! PostgreSQL keeps its statistics in the catalogue, where every session
//! reads them, and drops cached plans when they change; its autovacuum
//! analyzes a table once a tenth of it changed, but it may be busy for
//! minutes vacuuming a large table after a bulk load: [`keep`] analyzes by
//! the same rule on the housekeeping period.

use std::sync::{Mutex, PoisonError};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::conn::Backend;
use crate::db::Db;
use crate::{DbConn, RepoError};

/// What the statistics were when [`keep`] last looked (per database,
/// `Db::shared`): a hash of `sqlite_stat1`.
#[derive(Default)]
pub struct Seen(Mutex<Option<u64>>);

/// What a [`keep`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// PostgreSQL: the tables analyzed.
    pub analyzed: Vec<String>,
    /// SQLite: the statistics had changed, and every connection was told to read them again.
    pub published: bool,
}

/// The housekeeping of the statistics: [`refresh`], then, on SQLite, every
/// connection of the database told to read them again if they changed
/// since the last look (by this server or anyone else: an operator's
/// `ANALYZE`); on PostgreSQL, the tables a tenth of which changed since
/// they were last analyzed are analyzed.
pub fn keep(db: &Db) -> Result<Kept, RepoError> {
    let seen = db.shared::<Seen>();
    db.write_autocommit(|conn| match conn {
        DbConn::Sqlite(_) => {
            refresh(conn)?;
            let now = fingerprint(conn)?;
            let mut last = seen.0.lock().unwrap_or_else(PoisonError::into_inner);
            let changed = *last != Some(now);
            if changed {
                publish(conn)?;
                *last = Some(now);
            }
            Ok(Kept {
                analyzed: Vec::new(),
                published: changed,
            })
        }
        DbConn::Pg(_) => Ok(Kept {
            analyzed: analyze_changed(conn)?,
            published: false,
        }),
    })
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    text: Option<String>,
}

/// A hash of what `sqlite_stat1` holds (a few hundred short rows), read
/// from the file, not from what this connection loaded.
fn fingerprint(conn: &mut DbConn) -> Result<u64, RepoError> {
    use std::hash::{Hash, Hasher};
    let kept: Vec<Text> =
        diesel::sql_query("SELECT name AS text FROM sqlite_master WHERE name = 'sqlite_stat1'").load(conn)?;
    let text = if kept.is_empty() {
        None
    } else {
        diesel::sql_query(
            "SELECT group_concat(tbl || ' ' || coalesce(idx, '') || ' ' || stat, char(10)) AS text \
             FROM (SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx)",
        )
        .get_result::<Text>(conn)?
        .text
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    Ok(hasher.finish())
}

/// Changes the schema (a view made and dropped, in the caller's
/// transaction), so that every connection reads it again, statistics
/// included, before its next statement.
fn publish(conn: &mut DbConn) -> Result<(), RepoError> {
    conn.batch_execute("CREATE VIEW crm_statistics_renewed AS SELECT 1; DROP VIEW crm_statistics_renewed;")?;
    Ok(())
}

/// PostgreSQL: analyzes the tables of this schema of which more than a
/// tenth (and 50 rows) changed since they were last analyzed, as autovacuum
/// would (`autovacuum_analyze_scale_factor` and `_threshold` at their
/// defaults); the names of those analyzed.
fn analyze_changed(conn: &mut DbConn) -> Result<Vec<String>, RepoError> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let due: Vec<Name> = diesel::sql_query(
        "SELECT s.relname AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
         WHERE s.schemaname = current_schema() \
         AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0) ORDER BY s.relname",
    )
    .load(conn)?;
    let names: Vec<String> = due.into_iter().map(|n| n.name).collect();
    for name in &names {
        conn.batch_execute(&format!("ANALYZE \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(names)
}

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
