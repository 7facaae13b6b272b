//! Follow-up activities (跟进记录) on customers, leads and deals: the rows,
//! the queries, and (in `log`) the operation that records one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{activities, customers};
use crate::{DbConn, RepoError};

mod listing;
mod log;

pub use listing::*;
pub use log::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activities)]
pub struct ActivityRow {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub opportunity_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub duration_minutes: Option<i32>,
    pub key_person_met: Option<bool>,
    pub visit_purpose: Option<String>,
    pub intent: Option<String>,
    pub buying_power: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = activities)]
pub struct NewActivityRow {
    pub lead_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub outcome: Option<String>,
    pub next_action: Option<String>,
    pub next_action_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub opportunity_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub duration_minutes: Option<i32>,
    pub key_person_met: Option<bool>,
    pub visit_purpose: Option<String>,
    pub intent: Option<String>,
    pub buying_power: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_activity(conn: &mut DbConn, new: &NewActivityRow) -> Result<ActivityRow, RepoError> {
    let id: i64 = diesel::insert_into(activities::table)
        .values(new)
        .returning(activities::id)
        .get_result(conn)?;
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .first(conn)?)
}

pub fn activities_of_opportunity(conn: &mut DbConn, opportunity_id: i64) -> Result<Vec<ActivityRow>, RepoError> {
    Ok(activities::table
        .filter(activities::opportunity_id.eq(opportunity_id))
        .filter(activities::deleted_at.is_null())
        .order((activities::occurred_at.asc(), activities::id.asc()))
        .select(ActivityRow::as_select())
        .load(conn)?)
}

/// Records contact with a customer: `last_contacted_at` moves forward only.
pub fn touch_customer_contact(conn: &mut DbConn, customer_id: i64, at: NaiveDateTime) -> Result<(), RepoError> {
    diesel::update(
        customers::table.filter(customers::id.eq(customer_id)).filter(
            customers::last_contacted_at
                .is_null()
                .or(customers::last_contacted_at.lt(at)),
        ),
    )
    .set(customers::last_contacted_at.eq(Some(at)))
    .execute(conn)?;
    Ok(())
}

pub fn activities_of_lead(conn: &mut DbConn, lead_id: i64) -> Result<Vec<ActivityRow>, RepoError> {
    Ok(activities::table
        .filter(activities::lead_id.eq(lead_id))
        .filter(activities::deleted_at.is_null())
        .order((activities::occurred_at.asc(), activities::id.asc()))
        .select(ActivityRow::as_select())
        .load(conn)?)
}

/// Moves a converted lead's activities onto its customer too.
pub fn attach_activities(conn: &mut DbConn, lead_id: i64, customer_id: i64) -> Result<(), RepoError> {
    diesel::update(activities::table.filter(activities::lead_id.eq(lead_id)))
        .set(activities::customer_id.eq(customer_id))
        .execute(conn)?;
    let last: Option<NaiveDateTime> = activities::table
        .filter(activities::customer_id.eq(customer_id))
        .filter(activities::kind.ne("note"))
        .filter(activities::deleted_at.is_null())
        .select(diesel::dsl::max(activities::occurred_at))
        .first(conn)?;
    match last {
        Some(at) => touch_customer_contact(conn, customer_id, at),
        None => Ok(()),
    }
}
