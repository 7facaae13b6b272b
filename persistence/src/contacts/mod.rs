//! Contacts (联系人) of a customer, with their key-person role.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::contacts;
use crate::{DbConn, RepoError, naive};

mod manage;

pub use manage::{ContactError, ContactView, create, edit, of_customer, remove, view};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub wechat: Option<String>,
    pub kp_role: String,
    pub is_primary: bool,
    pub preferred_channel: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contacts)]
pub struct NewContactRow {
    pub customer_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub wechat: Option<String>,
    pub kp_role: String,
    pub is_primary: bool,
    pub preferred_channel: Option<String>,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contacts)]
pub struct ContactChangeset {
    pub name: Option<String>,
    pub title: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub phone_key: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub email_key: Option<Option<String>>,
    pub wechat: Option<Option<String>>,
    pub kp_role: Option<String>,
    pub is_primary: Option<bool>,
    pub preferred_channel: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

pub fn insert(conn: &mut DbConn, new: &NewContactRow) -> Result<ContactRow, RepoError> {
    if new.is_primary {
        clear_primary(conn, new.customer_id)?;
    }
    let id: i64 = diesel::insert_into(contacts::table)
        .values(new)
        .returning(contacts::id)
        .get_result(conn)?;
    find_live(conn, id)
}

fn clear_primary(conn: &mut DbConn, customer_id: i64) -> Result<(), RepoError> {
    diesel::update(
        contacts::table
            .filter(contacts::customer_id.eq(customer_id))
            .filter(contacts::is_primary.eq(true)),
    )
    .set(contacts::is_primary.eq(false))
    .execute(conn)?;
    Ok(())
}

pub fn find_live(conn: &mut DbConn, id: i64) -> Result<ContactRow, RepoError> {
    Ok(contacts::table
        .find(id)
        .filter(contacts::deleted_at.is_null())
        .select(ContactRow::as_select())
        .first(conn)?)
}

/// The live contacts of several customers, by customer then primary first.
pub fn list_for_many(conn: &mut DbConn, customer_ids: &[i64]) -> Result<Vec<ContactRow>, RepoError> {
    Ok(contacts::table
        .filter(contacts::customer_id.eq_any(customer_ids))
        .filter(contacts::deleted_at.is_null())
        .order((
            contacts::customer_id.asc(),
            contacts::is_primary.desc(),
            contacts::id.asc(),
        ))
        .select(ContactRow::as_select())
        .load(conn)?)
}

pub fn list_for(conn: &mut DbConn, customer_id: i64) -> Result<Vec<ContactRow>, RepoError> {
    Ok(contacts::table
        .filter(contacts::customer_id.eq(customer_id))
        .filter(contacts::deleted_at.is_null())
        .order((contacts::is_primary.desc(), contacts::id.asc()))
        .select(ContactRow::as_select())
        .load(conn)?)
}

pub fn update(
    conn: &mut DbConn,
    row: &ContactRow,
    expected_version: Option<i64>,
    changes: &ContactChangeset,
    now: DateTime<Utc>,
) -> Result<ContactRow, RepoError> {
    if changes.is_primary == Some(true) {
        clear_primary(conn, row.customer_id)?;
    }
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let n = diesel::update(
        contacts::table
            .filter(contacts::id.eq(row.id))
            .filter(contacts::version.eq(expected_version.unwrap_or(0)).or(any_version)),
    )
    .set((
        changes,
        contacts::version.eq(contacts::version + 1),
        contacts::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(RepoError::Stale);
    }
    find_live(conn, row.id)
}

pub fn soft_delete(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    diesel::update(contacts::table.find(id))
        .set((
            contacts::deleted_at.eq(naive(now)),
            contacts::updated_at.eq(naive(now)),
            contacts::version.eq(contacts::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves every contact of `from` to `to` (merge).
pub fn move_all(conn: &mut DbConn, from: i64, to: i64, now: DateTime<Utc>) -> Result<usize, RepoError> {
    Ok(diesel::update(contacts::table.filter(contacts::customer_id.eq(from)))
        .set((
            contacts::customer_id.eq(to),
            contacts::is_primary.eq(false),
            contacts::updated_at.eq(naive(now)),
        ))
        .execute(conn)?)
}
