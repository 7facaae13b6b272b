//! Storage of the sales-management API: one diesel code path over SQLite and
//! PostgreSQL, migrations embedded in the binary, and one module per table
//! group whose free functions take `&mut DbConn` and return [`RepoError`].

pub mod activities;
pub mod among;
pub mod announce;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod commissions;
pub mod competitors;
pub mod complaints;
pub mod conn;
pub mod contacts;
pub mod contracts;
pub mod custom_fields;
pub mod customers;
pub mod db;
pub mod departments;
pub mod dictionaries;
pub mod directory;
pub mod error;
pub mod events;
pub mod group_commit;
pub mod guard;
pub mod idempotency;
pub mod leads;
pub mod leases;
pub mod migrations;
pub mod open;
pub mod opportunities;
pub mod pool;
pub mod products;
pub mod reports;
pub mod schema;
pub mod scope;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod stamp;
pub mod statistics;
pub mod targets;
pub mod tasks;
pub mod team;
pub mod throttle;
pub mod timeline;
pub mod user_change;
pub mod users;
pub mod work_reports;

pub use db::{Backend, Db, DbConn, ping, write_tx};
pub use error::{Constraint, Explain, Found, RepoError};

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};

/// The current time at the precision both backends store (microseconds), so a
/// value read back compares equal to the value written.
pub fn now_utc() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Stored timestamps are naive UTC.
pub(crate) fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends for ASCII and (PostgreSQL) beyond.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern matching `text` anywhere, lower-cased, with `%`, `_` and
/// `\` escaped (use with `.escape('\\')`).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// [`now_utc`] as the naive UTC value rows store.
pub fn naive_now() -> NaiveDateTime {
    now_utc().naive_utc()
}
