//! The organisation: roles, e-mail addresses of users, and the department tree.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user may do. Data scope follows from it (DESIGN.md section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and manages everything, including users, departments and API keys.
    Admin,
    /// Sees their department subtree.
    Manager,
    /// Sees their own records, records shared with them, and the pool.
    Rep,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Rep];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Rep => "rep",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected admin, manager or rep")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Why a login e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an e-mail address is required")]
    Empty,
    #[error("an e-mail address has one `@` with text on both sides and a dot in the domain")]
    Malformed,
    #[error("an e-mail address has at most 254 characters")]
    TooLong,
}

/// The stored form of a login address: trimmed and lower-cased, so that
/// `Li.Lei@Example.com` and `li.lei@example.com ` are one account.
pub fn normalize_login_email(raw: &str) -> Result<String, EmailError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(EmailError::Empty);
    }
    if email.chars().count() > 254 {
        return Err(EmailError::TooLong);
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(EmailError::Malformed);
    };
    let domain_ok =
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
    if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
        return Err(EmailError::Malformed);
    }
    Ok(email)
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// OWASP ASVS style length policy: long passphrases welcome, no composition rules.
pub fn check_password_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(PasswordError::TooShort)
    } else if n > MAX_PASSWORD_CHARS {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// The department tree as `id -> parent id` pairs.
pub type ParentMap = HashMap<i64, Option<i64>>;

/// Why a department may not be moved under a new parent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("a department cannot be its own parent")]
    OwnParent,
    #[error("department {parent} is inside department {department}: moving would make a cycle")]
    Cycle { department: i64, parent: i64 },
    #[error("parent department {0} does not exist")]
    UnknownParent(i64),
}

/// May `department` hang under `new_parent`? Refuses cycles, which would make a
/// manager's subtree infinite and a target plan impossible to add up.
pub fn check_reparent(tree: &ParentMap, department: i64, new_parent: Option<i64>) -> Result<(), TreeError> {
    let Some(parent) = new_parent else {
        return Ok(());
    };
    if parent == department {
        return Err(TreeError::OwnParent);
    }
    if !tree.contains_key(&parent) {
        return Err(TreeError::UnknownParent(parent));
    }
    let mut seen = HashSet::new();
    let mut cursor = Some(parent);
    while let Some(node) = cursor {
        if node == department {
            return Err(TreeError::Cycle { department, parent });
        }
        if !seen.insert(node) {
            break; // an existing cycle elsewhere; not ours to report
        }
        cursor = tree.get(&node).copied().flatten();
    }
    Ok(())
}

/// `department` and every department above it, nearest first (stops at a
/// cycle, which `check_reparent` never lets in).
pub fn chain(tree: &ParentMap, department: i64) -> Vec<i64> {
    let mut out = vec![department];
    let mut cursor = tree.get(&department).copied().flatten();
    while let Some(d) = cursor {
        if out.contains(&d) {
            break;
        }
        out.push(d);
        cursor = tree.get(&d).copied().flatten();
    }
    out
}

/// `root` and every department below it, in breadth-first order.
pub fn subtree(tree: &ParentMap, root: i64) -> Vec<i64> {
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for (&id, &parent) in tree {
        if let Some(p) = parent {
            children.entry(p).or_default().push(id);
        }
    }
    for list in children.values_mut() {
        list.sort_unstable();
    }
    let mut out = vec![root];
    let mut seen: HashSet<i64> = HashSet::from([root]);
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            for &k in kids {
                if seen.insert(k) {
                    out.push(k);
                }
            }
        }
        i += 1;
    }
    out
}

/// What the user rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFacts {
    pub id: i64,
    pub role: Role,
    pub active: bool,
    pub department_id: Option<i64>,
}

/// Why a user may not be created or changed this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserRuleError {
    #[error("a manager needs a department: their data scope is its subtree")]
    ManagerWithoutDepartment,
    #[error("this is the last active admin; make another admin first")]
    LastAdmin,
    #[error("admins cannot deactivate themselves")]
    DeactivateSelf,
}

impl UserRuleError {
    /// The field a client should fix, for validation problems.
    pub fn field(self) -> Option<&'static str> {
        match self {
            UserRuleError::ManagerWithoutDepartment => Some("department_id"),
            UserRuleError::LastAdmin | UserRuleError::DeactivateSelf => None,
        }
    }
}

impl From<UserRuleError> for crate::problem::Refused {
    /// A field the rule names is refused; otherwise the organisation's state refuses.
    fn from(e: UserRuleError) -> Self {
        match e.field() {
            Some(field) => {
                crate::problem::Refused::field(field, crate::vocabulary::FieldCode::DependsOn, e.to_string())
            }
            None => crate::problem::Refused::conflict(crate::problem::ErrorCode::UserRule, e.to_string()),
        }
    }
}

/// Checks a user as it would be after a create (`before` = None) or a change by
/// `actor`, given how many active admins there are now. The organisation must
/// always keep one active admin, or nobody could manage it again.
pub fn check_user_change(
    actor: i64,
    before: Option<&UserFacts>,
    after: &UserFacts,
    active_admins: i64,
) -> Result<(), UserRuleError> {
    if after.role == Role::Manager && after.department_id.is_none() {
        return Err(UserRuleError::ManagerWithoutDepartment);
    }
    let Some(before) = before else {
        return Ok(());
    };
    if before.id == actor && before.active && !after.active {
        return Err(UserRuleError::DeactivateSelf);
    }
    let was_admin = before.role == Role::Admin && before.active;
    let stays_admin = after.role == Role::Admin && after.active;
    if was_admin && !stays_admin && active_admins <= 1 {
        return Err(UserRuleError::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tree(pairs: &[(i64, Option<i64>)]) -> ParentMap {
        pairs.iter().copied().collect()
    }

    #[test]
    fn roles_round_trip_through_text() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!("boss".parse::<Role>(), Err(UnknownRole("boss".into())));
        assert!("Admin".parse::<Role>().is_err(), "roles are case-sensitive in the API");
    }

    #[test]
    fn login_emails_fold_case_and_trim() {
        assert_eq!(
            normalize_login_email("  Li.Lei@Example.COM "),
            Ok("li.lei@example.com".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "a", "@x.cn", "a@", "a@b", "a@@b.cn", "a@.cn", "a@b.", "a b@c.cn", "a@b..cn",
        ] {
            assert_eq!(normalize_login_email(bad), Err(EmailError::Malformed), "{bad}");
        }
        assert_eq!(normalize_login_email("   "), Err(EmailError::Empty));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_login_email(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn password_policy_counts_characters_not_bytes() {
        assert_eq!(check_password_policy("short"), Err(PasswordError::TooShort));
        assert_eq!(check_password_policy("销售管理系统密码十位"), Ok(()));
        assert_eq!(check_password_policy(&"x".repeat(129)), Err(PasswordError::TooLong));
        assert_eq!(check_password_policy(&"x".repeat(128)), Ok(()));
    }

    #[test]
    fn reparenting_refuses_cycles_and_self() {
        // 1 <- 2 <- 3, 4 alone
        let t = tree(&[(1, None), (2, Some(1)), (3, Some(2)), (4, None)]);
        assert_eq!(check_reparent(&t, 1, Some(1)), Err(TreeError::OwnParent));
        assert_eq!(
            check_reparent(&t, 1, Some(3)),
            Err(TreeError::Cycle {
                department: 1,
                parent: 3
            })
        );
        assert_eq!(check_reparent(&t, 3, Some(4)), Ok(()));
        assert_eq!(check_reparent(&t, 2, None), Ok(()));
        assert_eq!(check_reparent(&t, 2, Some(9)), Err(TreeError::UnknownParent(9)));
    }

    #[test]
    fn subtree_lists_root_then_descendants() {
        let t = tree(&[(1, None), (2, Some(1)), (3, Some(2)), (4, None), (5, Some(1))]);
        assert_eq!(subtree(&t, 1), vec![1, 2, 5, 3]);
        assert_eq!(subtree(&t, 4), vec![4]);
        assert_eq!(subtree(&t, 3), vec![3]);
    }

    fn facts(id: i64, role: Role, active: bool, department_id: Option<i64>) -> UserFacts {
        UserFacts {
            id,
            role,
            active,
            department_id,
        }
    }

    #[test]
    fn managers_need_a_department() {
        let m = facts(2, Role::Manager, true, None);
        assert_eq!(
            check_user_change(1, None, &m, 1),
            Err(UserRuleError::ManagerWithoutDepartment)
        );
        assert_eq!(
            check_user_change(1, None, &facts(2, Role::Manager, true, Some(3)), 1),
            Ok(())
        );
        assert_eq!(check_user_change(1, None, &facts(2, Role::Rep, true, None), 1), Ok(()));
        assert_eq!(UserRuleError::ManagerWithoutDepartment.field(), Some("department_id"));
    }

    #[test]
    fn the_last_active_admin_stays() {
        let admin = facts(1, Role::Admin, true, None);
        let demoted = facts(1, Role::Rep, true, None);
        assert_eq!(
            check_user_change(9, Some(&admin), &demoted, 1),
            Err(UserRuleError::LastAdmin)
        );
        assert_eq!(check_user_change(9, Some(&admin), &demoted, 2), Ok(()));
        let gone = facts(1, Role::Admin, false, None);
        assert_eq!(
            check_user_change(9, Some(&admin), &gone, 1),
            Err(UserRuleError::LastAdmin)
        );
        // an inactive admin does not count, so re-activating or changing it is fine
        let dormant = facts(1, Role::Admin, false, None);
        assert_eq!(check_user_change(9, Some(&dormant), &demoted, 1), Ok(()));
    }

    #[test]
    fn admins_do_not_deactivate_themselves() {
        let me = facts(1, Role::Admin, true, None);
        let off = facts(1, Role::Admin, false, None);
        assert_eq!(
            check_user_change(1, Some(&me), &off, 5),
            Err(UserRuleError::DeactivateSelf)
        );
        assert_eq!(check_user_change(2, Some(&me), &off, 5), Ok(()));
    }

    proptest! {
        /// Any sequence of accepted moves keeps the tree acyclic: every node reaches a root.
        #[test]
        fn accepted_moves_never_make_a_cycle(moves in proptest::collection::vec((0i64..8, proptest::option::of(0i64..8)), 0..40)) {
            let mut t: ParentMap = (0..8).map(|i| (i, None)).collect();
            for (dept, parent) in moves {
                if check_reparent(&t, dept, parent).is_ok() {
                    t.insert(dept, parent);
                }
            }
            for &start in t.keys() {
                let mut cursor = Some(start);
                let mut steps = 0;
                while let Some(n) = cursor {
                    steps += 1;
                    prop_assert!(steps <= 8, "cycle through {start}");
                    cursor = t[&n];
                }
            }
            // every node is in the subtree of its root, and only there
            let roots: Vec<i64> = t.iter().filter(|(_, p)| p.is_none()).map(|(&id, _)| id).collect();
            let total: usize = roots.iter().map(|&r| subtree(&t, r).len()).sum();
            prop_assert_eq!(total, t.len());
        }
    }
}
