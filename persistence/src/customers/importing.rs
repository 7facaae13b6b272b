//! A customer import as one operation in the caller's transaction: each row
//! the request could read has its custom values checked against the
//! definitions, the valid rows are created as [`super::import`] does
//! (dedup within the batch and against the store), and their values saved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::custom_fields::{Cell, CustomEntity, FieldDef};
use serde_json::{Map, Value};

use super::write::{Existing, Imported, NewCustomer};
use super::{CustomerWriteError, import};
use crate::scope::Principal;
use crate::{DbConn, RepoError, custom_fields};

/// A row read from the request: the customer and its raw custom values, or
/// why the request alone refuses it (`R`, the caller's words).
pub type ImportInput<R> = Result<(NewCustomer, Option<Map<String, Value>>), R>;

/// What became of one row, in the request's order.
#[derive(Debug)]
pub enum RowOutcome<R> {
    Created(i64),
    Duplicate(Box<Existing>),
    /// Refused by the request's checks or the custom field definitions.
    Invalid(R),
    /// Refused by the store's rules (an unknown picklist value, an owner not allowed).
    Refused(CustomerWriteError),
}

/// Imports `rows` as the caller; `cells_of` checks a row's custom values
/// against the definitions (in the caller's words when it refuses them).
pub fn import_rows<R>(
    conn: &mut DbConn,
    by: &Principal,
    rows: Vec<ImportInput<R>>,
    cells_of: impl Fn(&[FieldDef], Option<Map<String, Value>>) -> Result<BTreeMap<i64, Vec<Cell>>, R>,
    now: DateTime<Utc>,
) -> Result<Vec<RowOutcome<R>>, RepoError> {
    crate::conn::plan_each_statement(conn)?;
    by.acting(conn, |conn, actor| {
        let defs = custom_fields::defs(conn, CustomEntity::Customer)?;
        let mut out: Vec<Option<RowOutcome<R>>> = Vec::with_capacity(rows.len());
        let (mut valid, mut cells, mut at) = (Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            match row.and_then(|(new, custom)| Ok((new, cells_of(&defs, custom)?))) {
                Ok((new, c)) => {
                    at.push(out.len());
                    valid.push(new);
                    cells.push(c);
                    out.push(None);
                }
                Err(refusal) => out.push(Some(RowOutcome::Invalid(refusal))),
            }
        }
        let outcomes = import(conn, actor, valid, now)?;
        for ((i, outcome), c) in at.into_iter().zip(outcomes).zip(cells) {
            out[i] = Some(match outcome {
                Imported::Created(id) => {
                    custom_fields::save(conn, CustomEntity::Customer, id, &c)?;
                    RowOutcome::Created(id)
                }
                Imported::Duplicate(e) => RowOutcome::Duplicate(e),
                Imported::Refused(e) => RowOutcome::Refused(e),
            });
        }
        Ok(out.into_iter().flatten().collect())
    })
}
