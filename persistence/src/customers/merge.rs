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
    let all = domain::merge::tags(
        tags.remove(&survivor.id).unwrap_or_default(),
        tags.remove(&loser.id).unwrap_or_default(),
    );
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
    let f = domain::merge::fill(&merge_facts(survivor), &merge_facts(loser));
    // a detail to fill is set (`Some(Some(..))`); one not to touch stays absent
    let fill = CustomerChangeset {
        credit_code: f.credit_code.map(Some),
        phone: f.phone.map(Some),
        phone_key: f.phone_key.map(Some),
        email: f.email.map(Some),
        email_key: f.email_key.map(Some),
        dealt: f.dealt.then_some(true),
        ..CustomerChangeset::default()
    };
    update(conn, survivor.id, None, &fill, now)
}

fn merge_facts(c: &CustomerRow) -> domain::merge::MergeFacts {
    domain::merge::MergeFacts {
        credit_code: c.credit_code.clone(),
        phone: c.phone.clone(),
        phone_key: c.phone_key.clone(),
        email: c.email.clone(),
        email_key: c.email_key.clone(),
        dealt: c.dealt,
    }
}

/// The survivor keeps the earlier of the two first wins (`domain::merge::first_win`).
fn merge_first_win(conn: &mut DbConn, survivor: i64, loser: i64) -> Result<(), RepoError> {
    use domain::merge::FirstWin;
    let wins: Vec<(i64, chrono::NaiveDate)> = customer_wins::table
        .filter(customer_wins::customer_id.eq_any([survivor, loser]))
        .select((customer_wins::customer_id, customer_wins::won_on))
        .load(conn)?;
    let won_on = |id: i64| wins.iter().find(|w| w.0 == id).map(|w| w.1);
    match domain::merge::first_win(won_on(survivor), won_on(loser)) {
        FirstWin::Unchanged => {}
        FirstWin::KeepSurvivors => {
            diesel::delete(customer_wins::table.find(loser)).execute(conn)?;
        }
        FirstWin::TakeLosers => {
            diesel::delete(customer_wins::table.find(survivor)).execute(conn)?;
            diesel::update(customer_wins::table.find(loser))
                .set(customer_wins::customer_id.eq(survivor))
                .execute(conn)?;
        }
    }
    Ok(())
}
