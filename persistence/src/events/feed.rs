//! The change feed (notifications): the feed kinds of events about records
//! in the caller's scope, and how far each user has read it.

use diesel::prelude::*;
use domain::events::EventKind;
use domain::scope::DataScope;

use super::EventRow;
use crate::schema::{events, notification_reads};
use crate::scope::Reach;
use crate::{DbConn, RepoError};

type Boxed<'a> = events::BoxedQuery<'a, crate::conn::MultiBackend>;

fn visible<'a>(scope: &DataScope) -> Boxed<'a> {
    let kinds: Vec<&'static str> = EventKind::ALL
        .into_iter()
        .filter(|k| k.in_feed())
        .map(|k| k.as_str())
        .collect();
    let q = events::table.filter(events::kind.eq_any(kinds)).into_boxed();
    match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            events::department_id
                .eq_any(departments.clone())
                .or(events::owner_id.eq(*user_id)),
        ),
        DataScope::Own { user_id } => q.filter(events::owner_id.eq(*user_id)),
    }
}

/// The id up to which `user_id` has read (0: nothing read).
pub fn last_read(conn: &mut DbConn, user_id: i64) -> Result<i64, RepoError> {
    Ok(notification_reads::table
        .find(user_id)
        .select(notification_reads::last_read_id)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

/// A page of the feed, newest first, the read mark and how many events are
/// unread (the scope resolved once for all three).
pub fn page(
    conn: &mut DbConn,
    by: &impl Reach,
    user_id: i64,
    unread_only: bool,
    before_id: Option<i64>,
    limit: i64,
) -> Result<(Vec<EventRow>, i64, i64), RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let read = last_read(conn, user_id)?;
    let unread = unread_count(conn, scope, user_id)?;
    let mut q = visible(scope);
    if unread_only {
        q = q.filter(events::id.gt(read));
    }
    if let Some(b) = before_id {
        q = q.filter(events::id.lt(b));
    }
    let rows = q
        .order(events::id.desc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?;
    Ok((rows, read, unread))
}

pub fn unread_count(conn: &mut DbConn, by: &impl Reach, user_id: i64) -> Result<i64, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let read = last_read(conn, user_id)?;
    Ok(visible(scope).filter(events::id.gt(read)).count().get_result(conn)?)
}

/// Marks the feed read up to `up_to` (everything when `None`); the mark
/// never moves back. Returns the mark and how many events are still unread.
pub fn mark_read(
    conn: &mut DbConn,
    by: &impl Reach,
    user_id: i64,
    up_to: Option<i64>,
) -> Result<(i64, i64), RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let newest = match up_to {
        Some(id) => id,
        None => visible(scope)
            .select(diesel::dsl::max(events::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0),
    };
    let mark = last_read(conn, user_id)?.max(newest);
    let updated = diesel::update(notification_reads::table.find(user_id))
        .set(notification_reads::last_read_id.eq(mark))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(notification_reads::table)
            .values((
                notification_reads::user_id.eq(user_id),
                notification_reads::last_read_id.eq(mark),
            ))
            .execute(conn)?;
    }
    Ok((mark, unread_count(conn, scope, user_id)?))
}
