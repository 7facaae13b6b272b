//! Who owns a customer and who works on it with them: counts, transfers,
//! pool claims and team members (协作人).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{customer_members, customers};
use crate::{DbConn, RepoError, naive};

/// Live customers owned by a user.
pub fn count_owned(conn: &mut DbConn, user_id: i64) -> Result<i64, RepoError> {
    Ok(customers::table
        .filter(customers::owner_id.eq(user_id))
        .filter(customers::deleted_at.is_null())
        .count()
        .get_result(conn)?)
}

/// A team member of a customer (协作人).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customer_members)]
pub struct MemberRow {
    pub customer_id: i64,
    pub user_id: i64,
    pub access: String,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn members(conn: &mut DbConn, customer_id: i64) -> Result<Vec<MemberRow>, RepoError> {
    Ok(customer_members::table
        .filter(customer_members::customer_id.eq(customer_id))
        .order(customer_members::user_id.asc())
        .select(MemberRow::as_select())
        .load(conn)?)
}

/// Adds or changes a member's access.
pub fn put_member(
    conn: &mut DbConn,
    customer_id: i64,
    user_id: i64,
    access: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<MemberRow, RepoError> {
    diesel::delete(customer_members::table.find((customer_id, user_id))).execute(conn)?;
    diesel::insert_into(customer_members::table)
        .values((
            customer_members::customer_id.eq(customer_id),
            customer_members::user_id.eq(user_id),
            customer_members::access.eq(access),
            customer_members::expires_at.eq(expires_at.map(naive)),
            customer_members::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(customer_members::table
        .find((customer_id, user_id))
        .select(MemberRow::as_select())
        .first(conn)?)
}

/// Removes a member; `false` when they were none.
pub fn remove_member(conn: &mut DbConn, customer_id: i64, user_id: i64) -> Result<bool, RepoError> {
    Ok(diesel::delete(customer_members::table.find((customer_id, user_id))).execute(conn)? == 1)
}

/// Marks a customer dealt (成交): a deal was won on it. From then on the
/// no-deal pool rule no longer applies (and, by default, the pool never takes it).
pub fn mark_dealt(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    diesel::update(
        customers::table
            .filter(customers::id.eq(id))
            .filter(customers::dealt.eq(false)),
    )
    .set((
        customers::dealt.eq(true),
        customers::version.eq(customers::version + 1),
        customers::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Names of these customers, by id.
pub fn names(conn: &mut DbConn, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, RepoError> {
    let rows: Vec<(i64, String)> = customers::table
        .filter(customers::id.eq_any(ids.to_vec()))
        .select((customers::id, customers::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
