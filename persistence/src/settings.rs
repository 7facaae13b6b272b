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

const ORGANISATION: &str = "organisation";

/// The organisation's settings (time zone), or the defaults.
pub fn organisation(conn: &mut DbConn) -> Result<domain::calendar::OrgSettings, RepoError> {
    match get(conn, ORGANISATION)? {
        None => Ok(domain::calendar::OrgSettings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored organisation settings are unreadable: {e}"))),
    }
}

/// The organisation's time zone, for cutting days and periods.
pub fn zone(conn: &mut DbConn) -> Result<domain::calendar::Tz, RepoError> {
    Ok(organisation(conn)?.zone())
}

/// Saves the organisation's settings (the zone already checked), with an
/// audit event naming the admin.
/// Reads the organisation settings, applies `change` and saves the result
/// (audited, naming the admin) in one transaction; answers the new settings.
pub fn change_organisation(
    conn: &mut DbConn,
    change: impl FnOnce(&mut domain::calendar::OrgSettings),
    actor: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<domain::calendar::OrgSettings, RepoError> {
    let mut org = organisation(conn)?;
    change(&mut org);
    set_organisation(conn, &org, actor, now)?;
    Ok(org)
}

pub fn set_organisation(
    conn: &mut DbConn,
    org: &domain::calendar::OrgSettings,
    actor: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), RepoError> {
    let json = serde_json::to_string(org).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    put(conn, ORGANISATION, &json)?;
    crate::audit::record(
        conn,
        "settings",
        0,
        "organisation_settings_changed",
        Some(actor),
        &json,
        now,
    )
}

/// Today's date in the organisation's time zone.
pub fn today(conn: &mut DbConn, now: chrono::DateTime<chrono::Utc>) -> Result<chrono::NaiveDate, RepoError> {
    Ok(domain::calendar::today(now, zone(conn)?))
}

/// `day`, or today in the organisation's time zone when absent.
pub fn day_or_today(
    conn: &mut DbConn,
    day: Option<chrono::NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::NaiveDate, RepoError> {
    match day {
        Some(d) => Ok(d),
        None => today(conn, now),
    }
}
