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
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

use crate::conn::MultiBackend;

/// `column` is one of `items`: on SQLite `column IN (SELECT value FROM
/// json_each(?))` with the items as one JSON array, on PostgreSQL
/// `column = ANY(?)` with one array.
#[derive(Debug, Clone)]
pub struct Among<C, T = i64> {
    column: C,
    items: Vec<T>,
    json: String,
}

/// What [`among`] can list: ids and texts.
pub trait Item: Clone {
    /// The SQL type of one item.
    type Sql: diesel::sql_types::SqlType + diesel::sql_types::SingleValue;
    /// Appends the item as a JSON value.
    fn write_json(&self, out: &mut String);
}

impl Item for i64 {
    type Sql = BigInt;
    fn write_json(&self, out: &mut String) {
        use std::fmt::Write;
        // writing to a String cannot fail
        let _ = write!(out, "{self}");
    }
}

impl Item for String {
    type Sql = Text;
    fn write_json(&self, out: &mut String) {
        push_json_string(out, self);
    }
}

/// `column` is one of `items` (see [`Among`]).
pub fn among<C, T: Item>(column: C, items: &[T]) -> Among<C, T> {
    let mut json = String::with_capacity(items.len() * 8 + 2);
    json.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        item.write_json(&mut json);
    }
    json.push(']');
    Among {
        column,
        items: items.to_vec(),
        json,
    }
}

impl<C: Expression, T> Expression for Among<C, T> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS, T> AppearsOnTable<QS> for Among<C, T> {}

impl<C: SelectableExpression<QS>, QS, T> SelectableExpression<QS> for Among<C, T> {}

impl<C: ValidGrouping<GB>, GB, T> ValidGrouping<GB> for Among<C, T> {
    type IsAggregate = C::IsAggregate;
}

/// The SQL text does not depend on the items, so the statement is cached by
/// the column alone (on a concrete connection, see `crate::conn::direct`).
impl<C: QueryId, T: 'static> QueryId for Among<C, T> {
    type QueryId = Among<C::QueryId, T>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>, T> QueryFragment<Sqlite> for Among<C, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>, T> QueryFragment<Pg> for Among<C, T>
where
    T: Item,
    Pg: diesel::sql_types::HasSqlType<T::Sql>,
    Vec<T>: ToSql<Array<T::Sql>, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<T::Sql>, _>(&self.items)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C, T> QueryFragment<MultiBackend> for Among<C, T>
where
    Self: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

/// Appends `text` as a JSON string.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}
