//! Instance settings kept in the database (e.g. a generated JWT secret), shared
//! by every API node that uses it.

use diesel::prelude::*;

use crate::schema::settings;
use crate::{DbConn, RepoError};

pub fn get(conn: &mut DbConn, name: &str) -> Result<Option<String>, RepoError> {
    Ok(settings::table
        .find(name)
        .select(settings::value)
        .first(conn)
        .optional()?)
}

/// Stores `value` unless the setting exists; returns what is stored, so two
/// nodes starting at once agree on one value.
pub fn get_or_insert(conn: &mut DbConn, name: &str, value: &str) -> Result<String, RepoError> {
    if let Some(v) = get(conn, name)? {
        return Ok(v);
    }
    match diesel::insert_into(settings::table)
        .values((settings::name.eq(name), settings::value.eq(value)))
        .execute(conn)
    {
        Ok(_) => Ok(value.to_owned()),
        Err(e) => match RepoError::from(e) {
            RepoError::Conflict { .. } => get(conn, name)?.ok_or(RepoError::NotFound),
            other => Err(other),
        },
    }
}

/// Stores `value` under `name`, replacing what was there.
pub fn put(conn: &mut DbConn, name: &str, value: &str) -> Result<(), RepoError> {
    let changed = diesel::update(settings::table.find(name))
        .set(settings::value.eq(value))
        .execute(conn)?;
    if changed == 1 {
        return Ok(());
    }
    // in a savepoint: on PostgreSQL a refused insert would end the transaction
    let inserted = conn.transaction(|c| {
        diesel::insert_into(settings::table)
            .values((settings::name.eq(name), settings::value.eq(value)))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(()),
        // another writer inserted it first: ours is the later value
        Err(e) => match RepoError::from(e) {
            RepoError::Conflict { .. } => {
                diesel::update(settings::table.find(name))
                    .set(settings::value.eq(value))
                    .execute(conn)?;
                Ok(())
            }
            other => Err(other),
        },
    }
}
