//! The caller's data scope, resolved inside the same database call as the
//! query it restricts.

use domain::scope::DataScope;
use persistence::{DbConn, users};

use crate::caller::AuthUser;
use crate::error::ApiError;
use persistence::Found;

/// admin: all; manager: their department subtree (+ pool); rep: own, shared, pool.
pub fn scope_of(conn: &mut DbConn, user: &AuthUser) -> Result<DataScope, ApiError> {
    Ok(user.principal().scope(conn)?)
}

/// May `user` give a record to `target`? Reps only to themselves, managers
/// within their subtree, admins to any active user.
pub fn check_assignable(
    conn: &mut DbConn,
    scope: &DataScope,
    target: i64,
    field: &str,
) -> Result<users::UserRow, ApiError> {
    let row = users::find(conn, target)
        .found()?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::invalid_field(field, "not_found", format!("there is no active user {target}")))?;
    let allowed = domain::scope::may_assign(scope, target, row.department_id);
    if allowed {
        Ok(row)
    } else {
        Err(ApiError::forbidden(format!(
            "you may not assign records to user {target}"
        )))
    }
}
