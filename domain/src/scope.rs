//! Data scope (DESIGN.md section 5): which records a user may see and change.
//! admin: everything; manager: records owned in their department subtree and
//! the pool; rep: their own, those shared with them, and the pool. Out of
//! scope reads as absent (404).

use crate::org::{ParentMap, Role, subtree};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataScope {
    All,
    /// Owned by a user of these departments, or in the pool.
    Departments {
        user_id: i64,
        departments: Vec<i64>,
    },
    /// Owned by the user, shared with the user, or in the pool.
    Own {
        user_id: i64,
    },
}

impl DataScope {
    pub fn for_user(user_id: i64, role: Role, department_id: Option<i64>, tree: &ParentMap) -> DataScope {
        match (role, department_id) {
            (Role::Admin, _) => DataScope::All,
            (Role::Manager, Some(d)) => DataScope::Departments {
                user_id,
                departments: subtree(tree, d),
            },
            _ => DataScope::Own { user_id },
        }
    }
}

/// How a user relates to one record, as loaded by the storage layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordAccess {
    pub owner_id: Option<i64>,
    pub owner_department: Option<i64>,
    /// The caller's membership: `Some(true)` read-write, `Some(false)` read-only.
    pub member_can_write: Option<bool>,
}

/// What the caller may do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
}

pub fn access(scope: &DataScope, record: &RecordAccess) -> Access {
    match scope {
        DataScope::All => Access::Write,
        DataScope::Departments { user_id, departments } => match record.owner_id {
            None => Access::Write,
            Some(owner) if owner == *user_id => Access::Write,
            Some(_) if record.owner_department.is_some_and(|d| departments.contains(&d)) => Access::Write,
            Some(_) => Access::None,
        },
        DataScope::Own { user_id } => match (record.owner_id, record.member_can_write) {
            (Some(owner), _) if owner == *user_id => Access::Write,
            (_, Some(true)) => Access::Write,
            (_, Some(false)) | (None, None) => Access::Read,
            (Some(_), None) => Access::None,
        },
    }
}

/// May a user with `scope` give a record to `target` (of `target_department`)?
/// Reps only to themselves, managers within their subtree (or themselves),
/// admins to anyone.
pub fn may_assign(scope: &DataScope, target: i64, target_department: Option<i64>) -> bool {
    match scope {
        DataScope::All => true,
        DataScope::Departments { user_id, departments } => {
            target == *user_id || target_department.is_some_and(|d| departments.contains(&d))
        }
        DataScope::Own { user_id } => target == *user_id,
    }
}

/// May this scope decide (approve or reject) something `owner` holds in
/// `owner_department`? An admin; a manager whose subtree holds that
/// department; never the owner themselves.
pub fn may_approve(scope: &DataScope, owner: i64, owner_department: Option<i64>) -> bool {
    match scope {
        DataScope::All => true,
        DataScope::Departments { user_id, departments } => {
            *user_id != owner && owner_department.is_some_and(|d| departments.contains(&d))
        }
        DataScope::Own { .. } => false,
    }
}

/// May the caller see a colleague's contact details and activity (e-mail,
/// last sign-in)? The same reach as assigning work: admins everyone,
/// managers their subtree, reps only themselves. Everyone sees names,
/// roles and departments (the directory).
pub fn may_see_contact_details(scope: &DataScope, target: i64, target_department: Option<i64>) -> bool {
    may_assign(scope, target, target_department)
}

/// May a user share a record with a colleague? Reps within their own
/// department, managers within their subtree, admins with anyone.
pub fn may_share(scope: &DataScope, actor_department: Option<i64>, target_department: Option<i64>) -> bool {
    match scope {
        DataScope::All => true,
        DataScope::Departments { departments, .. } => target_department.is_some_and(|d| departments.contains(&d)),
        DataScope::Own { .. } => actor_department.is_some() && target_department == actor_department,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> ParentMap {
        // 1 sales centre <- 2 east <- 3 shanghai; 4 north
        [(1, None), (2, Some(1)), (3, Some(2)), (4, None)].into_iter().collect()
    }

    fn rec(owner_id: Option<i64>, owner_department: Option<i64>, member: Option<bool>) -> RecordAccess {
        RecordAccess {
            owner_id,
            owner_department,
            member_can_write: member,
        }
    }

    #[test]
    fn approvals_are_for_admins_and_the_owners_managers_never_the_owner() {
        let manager = DataScope::Departments {
            user_id: 5,
            departments: vec![2, 3],
        };
        assert!(may_approve(&DataScope::All, 1, None));
        assert!(may_approve(&manager, 7, Some(3)));
        assert!(!may_approve(&manager, 7, Some(4)));
        assert!(!may_approve(&manager, 5, Some(2)), "never one's own");
        assert!(!may_approve(&manager, 7, None));
        assert!(!may_approve(&DataScope::Own { user_id: 7 }, 7, Some(2)));
    }

    #[test]
    fn scopes_follow_roles() {
        assert_eq!(DataScope::for_user(1, Role::Admin, None, &tree()), DataScope::All);
        assert_eq!(
            DataScope::for_user(5, Role::Manager, Some(2), &tree()),
            DataScope::Departments {
                user_id: 5,
                departments: vec![2, 3]
            }
        );
        assert_eq!(
            DataScope::for_user(6, Role::Rep, Some(3), &tree()),
            DataScope::Own { user_id: 6 }
        );
        assert_eq!(
            DataScope::for_user(7, Role::Manager, None, &tree()),
            DataScope::Own { user_id: 7 }
        );
    }

    #[test]
    fn managers_see_their_subtree_and_the_pool() {
        let s = DataScope::for_user(5, Role::Manager, Some(2), &tree());
        assert_eq!(access(&s, &rec(Some(9), Some(3), None)), Access::Write);
        assert_eq!(
            access(&s, &rec(Some(9), Some(1), None)),
            Access::None,
            "the parent department is not theirs"
        );
        assert_eq!(access(&s, &rec(Some(9), Some(4), None)), Access::None);
        assert_eq!(access(&s, &rec(None, None, None)), Access::Write);
        assert_eq!(access(&s, &rec(Some(5), None, None)), Access::Write);
    }

    #[test]
    fn reps_see_their_own_shared_and_pool_records() {
        let s = DataScope::Own { user_id: 6 };
        assert_eq!(access(&s, &rec(Some(6), Some(3), None)), Access::Write);
        assert_eq!(
            access(&s, &rec(Some(9), Some(3), None)),
            Access::None,
            "a teammate's customer"
        );
        assert_eq!(access(&s, &rec(Some(9), Some(3), Some(true))), Access::Write);
        assert_eq!(access(&s, &rec(Some(9), Some(3), Some(false))), Access::Read);
        assert_eq!(
            access(&s, &rec(None, None, None)),
            Access::Read,
            "pool: claim before editing"
        );
    }

    #[test]
    fn assigning_and_sharing_follow_the_scope() {
        let rep = DataScope::Own { user_id: 6 };
        let mgr = DataScope::Departments {
            user_id: 5,
            departments: vec![2, 3],
        };
        assert!(may_assign(&rep, 6, Some(3)) && !may_assign(&rep, 7, Some(3)));
        assert!(may_assign(&mgr, 7, Some(3)) && may_assign(&mgr, 5, None) && !may_assign(&mgr, 7, Some(1)));
        assert!(may_assign(&DataScope::All, 7, None));
        assert!(may_see_contact_details(&rep, 6, Some(3)) && !may_see_contact_details(&rep, 7, Some(3)));
        assert!(may_see_contact_details(&mgr, 7, Some(3)) && !may_see_contact_details(&mgr, 7, Some(1)));
        assert!(
            may_share(&rep, Some(3), Some(3)) && !may_share(&rep, Some(3), Some(2)) && !may_share(&rep, None, None)
        );
        assert!(may_share(&mgr, Some(2), Some(3)) && !may_share(&mgr, Some(2), Some(4)));
        assert!(may_share(&DataScope::All, None, None));
    }

    #[test]
    fn admins_see_everything() {
        for r in [rec(Some(9), Some(4), None), rec(None, None, None)] {
            assert_eq!(access(&DataScope::All, &r), Access::Write);
        }
    }
}
