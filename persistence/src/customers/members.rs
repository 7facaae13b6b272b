//! A customer's team (协作人) as operations in the caller's transaction: who
//! may see it, share it and stop sharing it, with the audit of each change.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Denied, MemberRow, reach};
use crate::scope::Principal;
use crate::{DbConn, RepoError, audit, users};

/// A member and their name.
#[derive(Debug, Clone)]
pub struct Member {
    pub row: MemberRow,
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    /// The customer is not in the caller's scope, or only readable.
    #[error(transparent)]
    Customer(Denied),
    #[error("there is no active user {0}")]
    NoSuchUser(i64),
    /// The owner needs no membership.
    #[error("the owner needs no membership")]
    Owner,
    #[error("you may share only with colleagues of your team")]
    NotAllowed,
    #[error("user {0} is not a member of this customer")]
    NotMember(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for MemberError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use MemberError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::Customer(denied) => return crate::Explain::explain(denied),
            E::NoSuchUser(id) => {
                Refused::field("user_id", FieldCode::NotFound, format!("there is no active user {id}"))
            }
            E::Owner => Refused::field("user_id", FieldCode::Owner, "the owner needs no membership"),
            E::NotAllowed => Refused::forbidden("you may share only with colleagues of your team"),
            E::NotMember(_) => Refused::not_found("member"),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<Denied> for MemberError {
    fn from(e: Denied) -> Self {
        match e {
            Denied::Repo(e) => MemberError::Repo(e),
            denied => MemberError::Customer(denied),
        }
    }
}

type Result<T> = std::result::Result<T, MemberError>;

/// The members of a customer the caller may see, by user id.
pub fn team(conn: &mut DbConn, by: &Principal, customer_id: i64, now: DateTime<Utc>) -> Result<Vec<Member>> {
    let scope = by.scope(conn)?;
    reach(conn, &scope, customer_id, false, now)?;
    let rows = super::members(conn, customer_id)?;
    let ids: Vec<i64> = rows.iter().map(|m| m.user_id).collect();
    let mut names = super::owner_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| Member {
            name: names.remove(&row.user_id),
            row,
        })
        .collect())
}

/// Shares a customer the caller may change with a colleague, or changes
/// their access: reps within their department, managers their subtree,
/// admins anyone (`domain::scope::may_share`).
pub fn share(
    conn: &mut DbConn,
    by: &Principal,
    customer_id: i64,
    member: i64,
    access: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Member> {
    let scope = by.scope(conn)?;
    let customer = reach(conn, &scope, customer_id, true, now)?;
    let target = match users::find(conn, member) {
        Ok(u) if u.active => u,
        Ok(_) | Err(RepoError::NotFound) => return Err(MemberError::NoSuchUser(member)),
        Err(e) => return Err(e.into()),
    };
    if customer.owner_id == Some(member) {
        return Err(MemberError::Owner);
    }
    if !domain::scope::may_share(&scope, by.department_id, target.department_id) {
        return Err(MemberError::NotAllowed);
    }
    let row = super::put_member(conn, customer_id, member, access, expires_at, now)?;
    let detail = json!({"user_id": member, "access": access}).to_string();
    audit::record(conn, "customer", customer_id, "shared", Some(by.user_id), &detail, now)?;
    Ok(Member {
        row,
        name: Some(target.name),
    })
}

/// Stops sharing a customer the caller may change with `member`.
pub fn unshare(conn: &mut DbConn, by: &Principal, customer_id: i64, member: i64, now: DateTime<Utc>) -> Result<()> {
    let scope = by.scope(conn)?;
    reach(conn, &scope, customer_id, true, now)?;
    if !super::remove_member(conn, customer_id, member)? {
        return Err(MemberError::NotMember(member));
    }
    let detail = json!({"user_id": member}).to_string();
    audit::record(
        conn,
        "customer",
        customer_id,
        "unshared",
        Some(by.user_id),
        &detail,
        now,
    )?;
    Ok(())
}
