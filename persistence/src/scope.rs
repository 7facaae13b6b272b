//! The caller's data scope (`domain::scope::DataScope`), resolved in the same
//! database call as the query it restricts.

use domain::org::Role;
use domain::scope::DataScope;

use crate::{DbConn, RepoError, departments};

/// admin: all; manager: their department subtree (+ pool); rep: own, shared, pool.
pub fn of_user(
    conn: &mut DbConn,
    user_id: i64,
    role: Role,
    department_id: Option<i64>,
) -> Result<DataScope, RepoError> {
    let tree = if role == Role::Manager && department_id.is_some() {
        departments::parent_map(conn)?
    } else {
        Default::default()
    };
    Ok(DataScope::for_user(user_id, role, department_id, &tree))
}
