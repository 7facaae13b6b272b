//! A lead import as one operation in one transaction: the rows the request
//! could read are checked against the active codes and the custom field
//! definitions (loaded once), the valid ones routed and stored in one batch
//! (dedup within the batch and against the store), and their values saved.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use domain::custom_fields::{Cell, CustomEntity, FieldDef};

use super::{Duplicate, Incoming, NewLeadRow, Origin, Router, intake};
use crate::{DbConn, RepoError, custom_fields};

/// What became of one row, in the request's order.
#[derive(Debug)]
pub enum LeadRowOutcome<R> {
    /// Stored, as a duplicate of `duplicate` when it names one.
    Stored { id: i64, duplicate: Option<Duplicate> },
    /// Refused by the request's checks, the codes or the custom field definitions.
    Invalid(R),
}

/// A row's lead and custom values as the import stores them.
pub type CheckedLead = (NewLeadRow, BTreeMap<i64, Vec<Cell>>);

/// Imports `rows` (each the row as read, or why not, and its raw payload).
/// `checker` is given the active `(kind, code)` region, industry and source
/// codes and the lead custom field definitions once, and makes the check of
/// one row.
pub fn import_rows<I, R, C>(
    conn: &mut DbConn,
    origin: Origin,
    rows: Vec<(Result<I, R>, String)>,
    checker: impl FnOnce(Vec<(String, String)>, Vec<FieldDef>) -> C,
    sla: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<LeadRowOutcome<R>>, RepoError>
where
    C: FnMut(I) -> Result<CheckedLead, R>,
{
    crate::conn::plan_each_statement(conn)?;
    let codes = crate::dictionaries::active_codes(conn, &["region", "industry", "source"])?;
    let defs = custom_fields::defs(conn, CustomEntity::Lead)?;
    let mut check = checker(codes, defs);
    let mut router = Router::load(conn, sla)?;
    let mut out: Vec<Option<LeadRowOutcome<R>>> = Vec::with_capacity(rows.len());
    let (mut incoming, mut cells, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for (row, raw) in rows {
        match row.and_then(&mut check) {
            Ok((row, c)) => {
                at.push(out.len());
                incoming.push(Incoming {
                    row,
                    raw_payload: Some(raw),
                });
                cells.push(c);
                out.push(None);
            }
            Err(refusal) => out.push(Some(LeadRowOutcome::Invalid(refusal))),
        }
    }
    let stored = intake(conn, &mut router, incoming, origin, None, now)?;
    for ((i, done), c) in at.into_iter().zip(stored).zip(cells) {
        custom_fields::save(conn, CustomEntity::Lead, done.id, &c)?;
        out[i] = Some(LeadRowOutcome::Stored {
            id: done.id,
            duplicate: done.duplicate,
        });
    }
    Ok(out.into_iter().flatten().collect())
}
