//! `column IN (ids)` as one bound parameter, so the statement is the same
//! whatever the number of ids and stays in the connection's statement cache.
//! diesel's `eq_any` writes one `?` per id on SQLite (and marks the statement
//! not to be cached): a page of 50 customers compiled its owner, tag and
//! custom-field reads anew on every request. For lists of thousands of ids
//! (reports, imports) `eq_any` in chunks stays: SQLite plans a literal list
//! as seeks for certain.

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;

/// `column` is one of `ids`: on SQLite `column IN (SELECT value FROM
/// json_each(?))` with the ids as one JSON array, on PostgreSQL
/// `column = ANY(?)` with one array.
#[derive(Debug, Clone)]
pub struct Among<C> {
    column: C,
    ids: Vec<i64>,
    json: String,
}

/// `column` is one of `ids` (see [`Among`]).
pub fn among<C>(column: C, ids: &[i64]) -> Among<C> {
    use std::fmt::Write;
    let mut json = String::with_capacity(ids.len() * 8 + 2);
    json.push('[');
    for (i, id) in ids.iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        // writing to a String cannot fail
        let _ = write!(json, "{comma}{id}");
    }
    json.push(']');
    Among {
        column,
        ids: ids.to_vec(),
        json,
    }
}

impl<C: Expression> Expression for Among<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for Among<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for Among<C> {}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for Among<C> {
    type IsAggregate = C::IsAggregate;
}

/// The SQL text does not depend on the ids, so the statement is cached by
/// the column alone (on a concrete connection, see `crate::db::direct`).
impl<C: QueryId> QueryId for Among<C> {
    type QueryId = Among<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for Among<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for Among<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<MultiBackend> for Among<C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}
