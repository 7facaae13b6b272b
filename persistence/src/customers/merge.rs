//! Merging a duplicate customer into the one that stays.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{
    activities, complaints, contracts, customer_members, customer_tags, customer_wins, customers, leads, opportunities,
    tasks,
};
use crate::{DbConn, RepoError, naive};

use super::*;

/// Merges customer `loser` into `survivor`: contacts and tags move, the
/// survivor fills its empty credit code, phone and e-mail from the loser, and
/// the loser is deleted remembering `merged_into`. Run inside one transaction.
pub fn merge(
    conn: &mut DbConn,
    survivor: &CustomerRow,
    loser: &CustomerRow,
    now: DateTime<Utc>,
) -> Result<CustomerRow, RepoError> {
    crate::contacts::move_all(conn, loser.id, survivor.id, now)?;
    // deals, follow-ups and the leads that point at the duplicate follow it
    diesel::update(opportunities::table.filter(opportunities::customer_id.eq(loser.id)))
        .set((
            opportunities::customer_id.eq(survivor.id),
            opportunities::version.eq(opportunities::version + 1),
            opportunities::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    diesel::update(activities::table.filter(activities::customer_id.eq(loser.id)))
        .set(activities::customer_id.eq(survivor.id))
        .execute(conn)?;
    // contracts (with their plans and payments), tasks and complaints follow too
    diesel::update(contracts::table.filter(contracts::customer_id.eq(loser.id)))
        .set((
            contracts::customer_id.eq(survivor.id),
            contracts::version.eq(contracts::version + 1),
            contracts::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    diesel::update(tasks::table.filter(tasks::customer_id.eq(loser.id)))
        .set(tasks::customer_id.eq(survivor.id))
        .execute(conn)?;
    diesel::update(complaints::table.filter(complaints::customer_id.eq(loser.id)))
        .set(complaints::customer_id.eq(survivor.id))
        .execute(conn)?;
    merge_first_win(conn, survivor.id, loser.id)?;
    diesel::update(leads::table.filter(leads::converted_customer_id.eq(loser.id)))
        .set(leads::converted_customer_id.eq(survivor.id))
        .execute(conn)?;
    diesel::update(leads::table.filter(leads::duplicate_of_customer_id.eq(loser.id)))
        .set(leads::duplicate_of_customer_id.eq(survivor.id))
        .execute(conn)?;
    let mut tags = tags_of(conn, &[survivor.id, loser.id])?;
    let mut all = tags.remove(&survivor.id).unwrap_or_default();
    for t in tags.remove(&loser.id).unwrap_or_default() {
        if !all.contains(&t) {
            all.push(t);
        }
    }
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(loser.id))).execute(conn)?;
    set_tags(conn, survivor.id, &all)?;
    diesel::delete(customer_members::table.filter(customer_members::customer_id.eq(loser.id))).execute(conn)?;
    diesel::update(customers::table.find(loser.id))
        .set((
            customers::merged_into.eq(Some(survivor.id)),
            customers::deleted_at.eq(Some(naive(now))),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    let fill = CustomerChangeset {
        credit_code: survivor
            .credit_code
            .is_none()
            .then(|| loser.credit_code.clone())
            .filter(Option::is_some),
        phone: survivor
            .phone
            .is_none()
            .then(|| loser.phone.clone())
            .filter(Option::is_some),
        phone_key: survivor
            .phone_key
            .is_none()
            .then(|| loser.phone_key.clone())
            .filter(Option::is_some),
        email: survivor
            .email
            .is_none()
            .then(|| loser.email.clone())
            .filter(Option::is_some),
        email_key: survivor
            .email_key
            .is_none()
            .then(|| loser.email_key.clone())
            .filter(Option::is_some),
        dealt: (loser.dealt && !survivor.dealt).then_some(true),
        ..CustomerChangeset::default()
    };
    update(conn, survivor.id, None, &fill, now)
}

/// The survivor keeps the earlier of the two first wins.
fn merge_first_win(conn: &mut DbConn, survivor: i64, loser: i64) -> Result<(), RepoError> {
    let wins: Vec<(i64, chrono::NaiveDate)> = customer_wins::table
        .filter(customer_wins::customer_id.eq_any([survivor, loser]))
        .select((customer_wins::customer_id, customer_wins::won_on))
        .load(conn)?;
    let (Some(l), s) = (
        wins.iter().find(|w| w.0 == loser).map(|w| w.1),
        wins.iter().find(|w| w.0 == survivor).map(|w| w.1),
    ) else {
        return Ok(());
    };
    if s.is_some_and(|s| s <= l) {
        diesel::delete(customer_wins::table.find(loser)).execute(conn)?;
    } else {
        diesel::delete(customer_wins::table.find(survivor)).execute(conn)?;
        diesel::update(customer_wins::table.find(loser))
            .set(customer_wins::customer_id.eq(survivor))
            .execute(conn)?;
    }
    Ok(())
}
