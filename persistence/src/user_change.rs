//! Adding a user (in a department that exists), and changing a user (admin)
//! as one operation: the user rules checked against the user as stored and
//! the active admins, a new department that exists, no open work left behind
//! by a deactivation, then the change, with every session revoked when the
//! user is deactivated or given a new password.

use chrono::{DateTime, Utc};
use domain::org::{Role, UserFacts, UserRuleError, check_user_change};

use crate::customers::{OpenWork, open_work};
use crate::users::{self, UserChangeset, UserRow};
use crate::{DbConn, RepoError, departments, sessions};

#[derive(Debug, thiserror::Error)]
pub enum NewUserError {
    #[error("there is no department {0}")]
    NoSuchDepartment(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for NewUserError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use NewUserError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NoSuchDepartment(id) => Refused::field(
                "department_id",
                FieldCode::NotFound,
                format!("there is no department {id}"),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Adds a user in an existing department (or none); a taken e-mail is
/// `RepoError::Conflict` on `Constraint::UserEmail`.
pub fn create(conn: &mut DbConn, new: &users::NewUserRow) -> Result<UserRow, NewUserError> {
    if let Some(id) = new.department_id
        && !departments::exists(conn, id)?
    {
        return Err(NewUserError::NoSuchDepartment(id));
    }
    Ok(users::insert(conn, new)?)
}

/// What an admin changes; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub department_id: Option<Option<i64>>,
    pub active: Option<bool>,
    pub max_customers: Option<Option<i32>>,
    /// A new password's hash (made by the caller, outside the transaction).
    pub password_hash: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserChangeError {
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Rule(UserRuleError),
    #[error("there is no department {0}")]
    NoSuchDepartment(i64),
    /// A deactivation of a user who still holds work: hand it over first.
    #[error("{name} still holds open work")]
    HoldsWork { id: i64, name: String, open: OpenWork },
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for UserChangeError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::{ErrorCode, Refused};
        Ok(match self {
            UserChangeError::NotFound => Refused::not_found("user"),
            UserChangeError::Rule(e) => e.into(),
            UserChangeError::NoSuchDepartment(d) => Refused::field(
                "department_id",
                domain::vocabulary::FieldCode::NotFound,
                format!("there is no department {d}"),
            ),
            UserChangeError::HoldsWork { id, name, open } => Refused::conflict(
                ErrorCode::UserOwnsCustomers,
                format!(
                    "{name} still holds {} customers, {} open leads and {} open deals: hand them over first \
                     (POST /api/v1/users/{}/transfer-customers)",
                    open.customers, open.leads, open.opportunities, id
                ),
            )
            .with_context(serde_json::json!({
                "customers": open.customers,
                "leads": open.leads,
                "opportunities": open.opportunities,
            })),
            UserChangeError::Repo(e) => return Err(e),
        })
    }
}

/// The user as the rules see them; an unknown stored role is corrupt data, never a rep.
fn facts(r: &UserRow) -> Result<UserFacts, RepoError> {
    Ok(UserFacts {
        id: r.id,
        role: r
            .role
            .parse()
            .map_err(|e| RepoError::Corrupt(format!("users.role: {e}")))?,
        active: r.active,
        department_id: r.department_id,
    })
}

/// Applies `change` to user `id` for admin `actor`, if still at `version`.
pub fn change(
    conn: &mut DbConn,
    actor: i64,
    id: i64,
    version: Option<i64>,
    change: UserChange,
    now: DateTime<Utc>,
) -> Result<UserRow, UserChangeError> {
    let before = match users::find(conn, id) {
        Err(RepoError::NotFound) => return Err(UserChangeError::NotFound),
        other => other?,
    };
    let was = facts(&before)?;
    let after = UserFacts {
        id,
        role: change.role.unwrap_or(was.role),
        active: change.active.unwrap_or(before.active),
        department_id: change.department_id.unwrap_or(before.department_id),
    };
    check_user_change(actor, Some(&was), &after, users::count_active_admins(conn)?).map_err(UserChangeError::Rule)?;
    if change.department_id.is_some()
        && let Some(d) = after.department_id
        && !departments::exists(conn, d)?
    {
        return Err(UserChangeError::NoSuchDepartment(d));
    }
    if before.active && !after.active {
        let open = open_work(conn, id)?;
        if !open.is_empty() {
            return Err(UserChangeError::HoldsWork {
                id,
                name: before.name,
                open,
            });
        }
    }
    let revoke = (before.active && !after.active) || change.password_hash.is_some();
    let changes = UserChangeset {
        name: change.name,
        role: change.role.map(|r| r.as_str().to_owned()),
        department_id: change.department_id,
        active: change.active,
        max_customers: change.max_customers,
        password_hash: change.password_hash,
    };
    let row = users::update(conn, id, version, &changes, now)?;
    if revoke {
        sessions::revoke_user(conn, id, now)?;
    }
    Ok(row)
}
