//! The caller's data scope, resolved inside the same database call as the
//! query it restricts.

use domain::scope::DataScope;
use persistence::DbConn;

use crate::caller::AuthUser;
use crate::error::ApiError;

/// admin: all; manager: their department subtree (+ pool); rep: own, shared, pool.
pub fn scope_of(conn: &mut DbConn, user: &AuthUser) -> Result<DataScope, ApiError> {
    Ok(user.principal().scope(conn)?)
}
