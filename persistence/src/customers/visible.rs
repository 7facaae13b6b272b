//! Whether a caller's scope sees a customer, and what it may do with it. The
//! customer, its owner (department and name) and the caller's membership
//! come back in one statement: every route on a customer's records starts
//! here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::scope::{Access, DataScope, RecordAccess, access};

use super::CustomerRow;
use crate::conn::direct;
use crate::schema::{customer_members, customers, users};
use crate::scope::Reach;
use crate::{DbConn, RepoError, naive};

/// Why a caller may not work on a customer's records.
#[derive(Debug, thiserror::Error)]
pub enum Denied {
    /// Not live, or not in the caller's scope.
    #[error("no such customer in your scope")]
    NotFound,
    #[error("you may read this customer but not change it")]
    ReadOnly,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for Denied {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::Refused;
        match self {
            Denied::NotFound => Ok(Refused::not_found("customer")),
            Denied::ReadOnly => Ok(Refused::forbidden("you may read this customer but not change it")),
            Denied::Repo(e) => Err(e),
        }
    }
}

/// A customer the caller's scope sees.
#[derive(Debug, Clone)]
pub struct Visible {
    pub row: CustomerRow,
    pub access: Access,
    /// The owner's name (`None` in the pool).
    pub owner_name: Option<String>,
    /// Does the caller see its contact details only masked
    /// (`domain::mask::masked_for`: a rep reading a pool or shared customer)?
    pub masked: bool,
}

/// The live customer `id` if the caller's scope sees it and, with `write`,
/// may change it (and so add contacts, deals and other records to it).
pub fn reach(
    conn: &mut DbConn,
    scope: &DataScope,
    id: i64,
    write: bool,
    now: DateTime<Utc>,
) -> Result<CustomerRow, Denied> {
    reach_named(conn, scope, id, write, now).map(|v| v.row)
}

/// [`reach`], with the owner's name.
pub fn reach_named(
    conn: &mut DbConn,
    by: &impl Reach,
    id: i64,
    write: bool,
    now: DateTime<Utc>,
) -> Result<Visible, Denied> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    match find_visible_named(conn, id, scope, false, now)? {
        Some(v) if !write || v.access == Access::Write => Ok(v),
        Some(_) => Err(Denied::ReadOnly),
        None => Err(Denied::NotFound),
    }
}

/// A live (or, with `deleted`, a deleted) customer the scope can see, and what the caller may do with it.
pub fn find_visible(
    conn: &mut DbConn,
    id: i64,
    scope: &DataScope,
    deleted: bool,
    now: DateTime<Utc>,
) -> Result<Option<(CustomerRow, Access)>, RepoError> {
    Ok(find_visible_named(conn, id, scope, deleted, now)?.map(|v| (v.row, v.access)))
}

/// [`find_visible`], with the owner's name.
pub fn find_visible_named(
    conn: &mut DbConn,
    id: i64,
    scope: &DataScope,
    deleted: bool,
    now: DateTime<Utc>,
) -> Result<Option<Visible>, RepoError> {
    // a membership counts only for a rep's own scope; 0 is no user
    let member = match scope {
        DataScope::Own { user_id } => *user_id,
        _ => 0,
    };
    let now = naive(now);
    type Found = (CustomerRow, Option<i64>, Option<String>, Option<String>);
    let found: Option<Found> = direct!(conn, |c| customers::table
        .left_join(users::table.on(customers::owner_id.eq(users::id.nullable())))
        .left_join(
            customer_members::table.on(customer_members::customer_id
                .eq(customers::id)
                .and(customer_members::user_id.eq(member))
                .and(
                    customer_members::expires_at
                        .is_null()
                        .or(customer_members::expires_at.gt(now)),
                )),
        )
        .filter(customers::id.eq(id))
        .filter(customers::deleted_at.is_not_null().eq(deleted))
        .select((
            CustomerRow::as_select(),
            users::department_id.nullable(),
            users::name.nullable(),
            customer_members::access.nullable(),
        ))
        .first::<Found>(c)
        .optional())?;
    let Some((row, owner_department, owner_name, membership)) = found else {
        return Ok(None);
    };
    let member_can_write = match scope {
        DataScope::Own { .. } => membership.map(|a| a == "read_write"),
        _ => None,
    };
    let level = access(
        scope,
        &RecordAccess {
            owner_id: row.owner_id,
            owner_department,
            member_can_write,
        },
    );
    let masked = domain::mask::masked_for(scope, row.owner_id);
    Ok((level > Access::None).then_some(Visible {
        row,
        access: level,
        owner_name,
        masked,
    }))
}
