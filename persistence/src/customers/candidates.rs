//! Customers that match a name, credit code, phone or e-mail exactly, across
//! all scopes: the facts behind 撞单 checks.

use diesel::prelude::*;

use crate::schema::{contacts, customers};
use crate::{DbConn, RepoError};

/// A live customer matching exactly, and how.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub owner_id: Option<i64>,
    pub credit_code: Option<String>,
    pub phone_key: Option<String>,
    pub email_key: Option<String>,
}

pub(crate) type CandidateColumns = (
    customers::id,
    customers::name,
    customers::name_key,
    customers::owner_id,
    customers::credit_code,
    customers::phone_key,
    customers::email_key,
);
pub(crate) const CANDIDATE: CandidateColumns = (
    customers::id,
    customers::name,
    customers::name_key,
    customers::owner_id,
    customers::credit_code,
    customers::phone_key,
    customers::email_key,
);

pub(crate) type CandidateTuple = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn to_candidates(rows: Vec<CandidateTuple>) -> Vec<Candidate> {
    rows.into_iter()
        .map(
            |(id, name, name_key, owner_id, credit_code, phone_key, email_key)| Candidate {
                id,
                name,
                name_key,
                owner_id,
                credit_code,
                phone_key,
                email_key,
            },
        )
        .collect()
}

/// Live customers sharing the name key, credit code, phone or e-mail (of the
/// customer or of one of its contacts), across all scopes, each with the
/// field that matched (`name`, `credit_code`, `phone`, `email`).
pub fn exact_candidates(
    conn: &mut DbConn,
    name_key: Option<&str>,
    credit_code: Option<&str>,
    phone_key: Option<&str>,
    email_key: Option<&str>,
) -> Result<Vec<(Candidate, &'static str)>, RepoError> {
    let mut out = Vec::new();
    let tag = |list: Vec<Candidate>, field: &'static str| list.into_iter().map(move |c| (c, field));
    let live = || customers::table.filter(customers::deleted_at.is_null());
    if let Some(k) = name_key {
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::name_key.eq(k))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "name",
        ));
    }
    if let Some(c) = credit_code {
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::credit_code.eq(c))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "credit_code",
        ));
    }
    if let Some(p) = phone_key {
        let via_contacts = contacts::table
            .filter(contacts::phone_key.eq(p))
            .filter(contacts::deleted_at.is_null())
            .select(contacts::customer_id);
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::phone_key.eq(p).or(customers::id.eq_any(via_contacts)))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "phone",
        ));
    }
    if let Some(e) = email_key {
        let via_contacts = contacts::table
            .filter(contacts::email_key.eq(e))
            .filter(contacts::deleted_at.is_null())
            .select(contacts::customer_id);
        out.extend(tag(
            to_candidates(
                live()
                    .filter(customers::email_key.eq(e).or(customers::id.eq_any(via_contacts)))
                    .select(CANDIDATE)
                    .limit(20)
                    .load(conn)?,
            ),
            "email",
        ));
    }
    Ok(out)
}
