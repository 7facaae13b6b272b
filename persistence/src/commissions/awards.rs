//! Awards and penalties (奖惩) a manager records for a rep's month.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::awards as aw;
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = aw)]
pub struct AwardRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub reason: String,
    pub month: NaiveDate,
    pub amount: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// An award or penalty to record (already checked: kind, reason, amount).
#[derive(Debug, Clone)]
pub struct NewAward {
    pub user_id: i64,
    pub kind: &'static str,
    pub reason: String,
    /// The first day of the month it belongs to.
    pub month: NaiveDate,
    pub amount: Option<i64>,
}

pub fn create(conn: &mut DbConn, new: &NewAward, actor: i64, now: DateTime<Utc>) -> Result<AwardRow, RepoError> {
    let id: i64 = diesel::insert_into(aw::table)
        .values((
            aw::user_id.eq(new.user_id),
            aw::kind.eq(new.kind),
            aw::reason.eq(&new.reason),
            aw::month.eq(new.month),
            aw::amount.eq(new.amount),
            aw::created_by.eq(Some(actor)),
            aw::created_at.eq(naive(now)),
        ))
        .returning(aw::id)
        .get_result(conn)?;
    audit::record(conn, "award", id, new.kind, Some(actor), &new.reason, now)?;
    Ok(aw::table.find(id).select(AwardRow::as_select()).first(conn)?)
}

/// The awards of `users` for months from `from` (a first day) before `to`, by id.
pub fn list(conn: &mut DbConn, users: &[i64], from: NaiveDate, to: NaiveDate) -> Result<Vec<AwardRow>, RepoError> {
    Ok(aw::table
        .filter(aw::user_id.eq_any(users))
        .filter(aw::month.ge(from))
        .filter(aw::month.lt(to))
        .order(aw::id.asc())
        .select(AwardRow::as_select())
        .load(conn)?)
}

/// Awards and penalties per user for months from `from` before `to`.
pub fn counts(
    conn: &mut DbConn,
    users: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<i64, (u64, u64)>, RepoError> {
    let mut out: HashMap<i64, (u64, u64)> = HashMap::new();
    for a in list(conn, users, from, to)? {
        let slot = out.entry(a.user_id).or_default();
        if a.kind == "penalty" {
            slot.1 += 1;
        } else {
            slot.0 += 1;
        }
    }
    Ok(out)
}
