//! Duplicate detection for incoming leads: a batch's keys looked up in a
//! few set queries, and open leads matching a duplicate check.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::schema::{contacts, customers, leads};
use crate::{DbConn, RepoError};

use super::*;

pub use domain::leads::duplicate::Duplicate;

/// Keys of a batch of incoming leads, looked up in a few set queries instead
/// of several queries a row: live customers (by name key, phone and e-mail,
/// their contacts' too) and open leads (by company key, phone and e-mail).
/// Leads of the batch join the index as they are stored, so a batch finds its
/// own repeats.
#[derive(Debug, Default)]
pub struct DedupIndex {
    customer_name: HashMap<String, (i64, Option<i64>)>,
    customer_phone: HashMap<String, (i64, Option<i64>)>,
    customer_email: HashMap<String, (i64, Option<i64>)>,
    lead_company: HashMap<String, (i64, Option<i64>)>,
    lead_phone: HashMap<String, (i64, Option<i64>)>,
    lead_email: HashMap<String, (i64, Option<i64>)>,
}

/// Keys per `IN (...)` list on SQLite (one parameter a key, well under its limit).
const CHUNK: usize = 900;
/// PostgreSQL takes a list as one array parameter (`= ANY($1)`).
const PG_CHUNK: usize = 10_000;

fn keep_first(map: &mut HashMap<String, (i64, Option<i64>)>, rows: Vec<(Option<String>, i64, Option<i64>)>) {
    for (key, id, owner) in rows {
        if let Some(k) = key {
            let e = map.entry(k).or_insert((id, owner));
            if id < e.0 {
                *e = (id, owner);
            }
        }
    }
}

impl DedupIndex {
    pub fn load(
        conn: &mut DbConn,
        company_keys: &[String],
        phone_keys: &[String],
        email_keys: &[String],
    ) -> Result<DedupIndex, RepoError> {
        let mut index = DedupIndex::default();
        let chunk_size = match conn {
            DbConn::Pg(_) => PG_CHUNK,
            DbConn::Sqlite(_) => CHUNK,
        };
        for chunk in company_keys.chunks(chunk_size) {
            let rows: Vec<(String, i64, Option<i64>)> = customers::table
                .filter(customers::deleted_at.is_null())
                .filter(customers::name_key.eq_any(chunk))
                .select((customers::name_key, customers::id, customers::owner_id))
                .load(conn)?;
            keep_first(
                &mut index.customer_name,
                rows.into_iter().map(|(k, i, o)| (Some(k), i, o)).collect(),
            );
            let rows = leads::table
                .filter(leads::status.eq_any(OPEN))
                .filter(leads::company_key.eq_any(chunk))
                .select((leads::company_key, leads::id, leads::owner_id))
                .load(conn)?;
            keep_first(&mut index.lead_company, rows);
        }
        // customers and their contacts, then open leads, by one kind of key
        macro_rules! by_contact_key {
            ($keys:expr, $customer_col:expr, $contact_col:expr, $lead_col:expr, $customer_map:expr, $lead_map:expr) => {
                for chunk in $keys.chunks(chunk_size) {
                    let rows = customers::table
                        .filter(customers::deleted_at.is_null())
                        .filter($customer_col.eq_any(chunk))
                        .select(($customer_col, customers::id, customers::owner_id))
                        .load(conn)?;
                    keep_first(&mut $customer_map, rows);
                    let rows = contacts::table
                        .inner_join(customers::table)
                        .filter(customers::deleted_at.is_null())
                        .filter(contacts::deleted_at.is_null())
                        .filter($contact_col.eq_any(chunk))
                        .select(($contact_col, customers::id, customers::owner_id))
                        .load(conn)?;
                    keep_first(&mut $customer_map, rows);
                    let rows = leads::table
                        .filter(leads::status.eq_any(OPEN))
                        .filter($lead_col.eq_any(chunk))
                        .select(($lead_col, leads::id, leads::owner_id))
                        .load(conn)?;
                    keep_first(&mut $lead_map, rows);
                }
            };
        }
        by_contact_key!(
            phone_keys,
            customers::phone_key,
            contacts::phone_key,
            leads::phone_key,
            index.customer_phone,
            index.lead_phone
        );
        by_contact_key!(
            email_keys,
            customers::email_key,
            contacts::email_key,
            leads::email_key,
            index.customer_email,
            index.lead_email
        );
        Ok(index)
    }

    /// A live customer first (name, phone, e-mail), else an open lead.
    pub fn find(
        &self,
        company_key: Option<&str>,
        phone_key: Option<&str>,
        email_key: Option<&str>,
    ) -> Option<Duplicate> {
        let get = |map: &HashMap<String, (i64, Option<i64>)>, key: Option<&str>| key.and_then(|k| map.get(k)).copied();
        domain::leads::duplicate::duplicate_of(&domain::leads::duplicate::Hits {
            customer_name: get(&self.customer_name, company_key),
            customer_phone: get(&self.customer_phone, phone_key),
            customer_email: get(&self.customer_email, email_key),
            lead_company: get(&self.lead_company, company_key),
            lead_phone: get(&self.lead_phone, phone_key),
            lead_email: get(&self.lead_email, email_key),
        })
    }

    /// A lead just stored: later rows of the batch will find it.
    pub fn add_lead(
        &mut self,
        id: i64,
        owner: Option<i64>,
        company_key: Option<&str>,
        phone_key: Option<&str>,
        email_key: Option<&str>,
    ) {
        for (map, key) in [
            (&mut self.lead_company, company_key),
            (&mut self.lead_phone, phone_key),
            (&mut self.lead_email, email_key),
        ] {
            if let Some(k) = key {
                map.entry(k.to_owned()).or_insert((id, owner));
            }
        }
    }

    /// Everyone who owns a record in the index.
    pub fn owner_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = [
            &self.customer_name,
            &self.customer_phone,
            &self.customer_email,
            &self.lead_company,
            &self.lead_phone,
            &self.lead_email,
        ]
        .iter()
        .flat_map(|m| m.values().filter_map(|(_, o)| *o))
        .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// An open lead matching a duplicate check, and the field it matched on.
#[derive(Debug, Clone)]
pub struct LeadMatch {
    pub id: i64,
    pub company: Option<String>,
    pub person_name: Option<String>,
    pub owner_id: Option<i64>,
    pub matched_on: &'static str,
}

type LeadMatchRow = (i64, Option<String>, Option<String>, Option<i64>);

/// Open (unconverted) leads sharing a company key, phone or e-mail; at most 20 per field.
pub fn open_leads_matching(
    conn: &mut DbConn,
    company_key: Option<&str>,
    phone_key: Option<&str>,
    email_key: Option<&str>,
) -> Result<Vec<LeadMatch>, RepoError> {
    let mut out = Vec::new();
    for (field, key) in [("name", company_key), ("phone", phone_key), ("email", email_key)] {
        let Some(key) = key else { continue };
        let mut q = leads::table.filter(leads::status.eq_any(OPEN)).into_boxed();
        q = match field {
            "name" => q.filter(leads::company_key.eq(key.to_owned())),
            "phone" => q.filter(leads::phone_key.eq(key.to_owned())),
            _ => q.filter(leads::email_key.eq(key.to_owned())),
        };
        let rows: Vec<LeadMatchRow> = q
            .order(leads::id.asc())
            .select((leads::id, leads::company, leads::person_name, leads::owner_id))
            .limit(20)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, company, person_name, owner_id)| LeadMatch {
            id,
            company,
            person_name,
            owner_id,
            matched_on: field,
        }));
    }
    Ok(out)
}
