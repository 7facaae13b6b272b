//! The duplicate check as one read: the customers a name, credit code,
//! phone or e-mail key matches exactly, the look-alike names, and the open
//! leads that match, each with its owner's name.

use std::collections::BTreeMap;

use super::name_index::CommonGrams;
use super::{Candidate, LookAlike, exact_candidates, look_alikes, owner_names};
use crate::{DbConn, RepoError, leads};

/// The keys to look for (each already normalised; absent: not asked).
#[derive(Debug, Clone, Default)]
pub struct DuplicateKeys {
    pub name_key: Option<String>,
    pub credit_code: Option<String>,
    pub phone_key: Option<String>,
    pub email_key: Option<String>,
}

/// A customer matching exactly, on one or more of the keys.
#[derive(Debug, Clone)]
pub struct ExactMatch {
    pub candidate: Candidate,
    pub owner_name: Option<String>,
    /// `name`, `credit_code`, `phone`, `email`, in the order found.
    pub matched_on: Vec<&'static str>,
}

/// An open lead matching, on one or more of the keys.
#[derive(Debug, Clone)]
pub struct LeadDuplicate {
    pub lead_id: i64,
    pub company: Option<String>,
    pub person_name: Option<String>,
    pub owner_name: Option<String>,
    pub matched_on: Vec<&'static str>,
}

/// What the duplicate check found, across all scopes.
#[derive(Debug, Clone, Default)]
pub struct Duplicates {
    pub exact: Vec<ExactMatch>,
    /// Look-alike names, best first, without the exact matches.
    pub similar: Vec<LookAlike>,
    pub leads: Vec<LeadDuplicate>,
}

/// Finds the customers and open leads that `keys` match (`common`: the
/// database's grams known to be common, `Db::shared`).
pub fn duplicates(conn: &mut DbConn, keys: &DuplicateKeys, common: &CommonGrams) -> Result<Duplicates, RepoError> {
    let (name, phone, email) = (
        keys.name_key.as_deref(),
        keys.phone_key.as_deref(),
        keys.email_key.as_deref(),
    );
    let exact = exact_candidates(conn, name, keys.credit_code.as_deref(), phone, email)?;
    let lead_hits = leads::open_leads_matching(conn, name, phone, email)?;
    let mut owner_ids: Vec<i64> = exact.iter().filter_map(|(c, _)| c.owner_id).collect();
    owner_ids.extend(lead_hits.iter().filter_map(|l| l.owner_id));
    let owners = owner_names(conn, &owner_ids)?;
    let owner_of = |id: Option<i64>| id.and_then(|o| owners.get(&o).cloned());
    let mut by_id: BTreeMap<i64, ExactMatch> = BTreeMap::new();
    for (c, field) in exact {
        let m = by_id.entry(c.id).or_insert_with(|| ExactMatch {
            owner_name: owner_of(c.owner_id),
            candidate: c,
            matched_on: Vec::new(),
        });
        if !m.matched_on.contains(&field) {
            m.matched_on.push(field);
        }
    }
    let exclude: Vec<i64> = by_id.keys().copied().collect();
    let similar = match name {
        Some(k) => look_alikes(conn, k, &exclude, common)?,
        None => Vec::new(),
    };
    let mut leads: Vec<LeadDuplicate> = Vec::new();
    for hit in lead_hits {
        match leads.iter_mut().find(|l| l.lead_id == hit.id) {
            Some(l) => l.matched_on.push(hit.matched_on),
            None => leads.push(LeadDuplicate {
                lead_id: hit.id,
                owner_name: owner_of(hit.owner_id),
                company: hit.company,
                person_name: hit.person_name,
                matched_on: vec![hit.matched_on],
            }),
        }
    }
    Ok(Duplicates {
        exact: by_id.into_values().collect(),
        similar,
        leads,
    })
}
