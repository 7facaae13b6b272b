//! The caller's data scope (`domain::scope::DataScope`), resolved in the same
//! database call as the query it restricts.

use domain::org::Role;
use domain::scope::DataScope;

use crate::customers::Actor;
use crate::{DbConn, RepoError, departments};

/// Who acts: the signed-in user as the access check saw them (role and
/// department as stored now). Operations resolve the caller's scope from it
/// in their own transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    pub department_id: Option<i64>,
}

impl Principal {
    /// The records this caller may see and change.
    pub fn scope(&self, conn: &mut DbConn) -> Result<DataScope, RepoError> {
        of_user(conn, self.user_id, self.role, self.department_id)
    }

    /// Runs `f` as this caller, with their scope resolved now in `conn`'s
    /// transaction: how an operation written for an [`Actor`] takes a caller.
    pub fn acting<T, E: From<RepoError>>(
        &self,
        conn: &mut DbConn,
        f: impl FnOnce(&mut DbConn, &Actor<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let scope = self.scope(conn)?;
        f(
            conn,
            &Actor {
                user_id: self.user_id,
                scope: &scope,
            },
        )
    }
}

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
