//! The caller's data scope (`domain::scope::DataScope`), resolved in the same
//! database call as the query it restricts.

use std::borrow::Cow;

use domain::org::Role;
use domain::scope::DataScope;

use crate::{DbConn, RepoError, departments};

/// Who acts, and what they may see: a [`Principal`] with its scope resolved
/// in the operation's transaction (`Principal::acting`), or a background job.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub scope: &'a DataScope,
}

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

/// Whose reach a read or write is limited to: the caller (a [`Principal`],
/// whose scope the operation resolves in its own connection, as handlers
/// pass it) or a scope an operation already holds (as operations calling
/// each other pass it). One signature serves both, so no handler builds a
/// scope.
pub trait Reach {
    fn scope_in(&self, conn: &mut DbConn) -> Result<Cow<'_, DataScope>, RepoError>;
}

impl Reach for Principal {
    fn scope_in(&self, conn: &mut DbConn) -> Result<Cow<'_, DataScope>, RepoError> {
        Ok(Cow::Owned(self.scope(conn)?))
    }
}

impl Reach for DataScope {
    fn scope_in(&self, _conn: &mut DbConn) -> Result<Cow<'_, DataScope>, RepoError> {
        Ok(Cow::Borrowed(self))
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
