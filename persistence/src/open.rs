//! Opening a database for the server: one connection migrates it, indexes
//! the names of customers stored before the index existed, and renews the
//! planner's statistics after a migration; then the pool. Above the pool
//! (`crate::db`), which knows none of these.

use crate::db::{Backend, Db, migrate};

impl Db {
    /// Connects once (failing with a one-line reason), migrates, then builds the pool.
    pub fn open(backend: Backend, pool_size: u32) -> Result<Db, String> {
        let mut first = backend.connect()?;
        let migrated = migrate(&mut first)?;
        let indexed = crate::customers::name_index::build_if_needed(&mut first)
            .map_err(|e| format!("cannot index customer names: {e}"))?;
        if indexed > 0 {
            log::info!("indexed the names of {indexed} existing customers for look-alike searches");
        }
        drop(first);
        if migrated > 0 {
            crate::statistics::renew(&backend)?;
        }
        Ok(Db::pool(backend, pool_size, false))
    }
}
