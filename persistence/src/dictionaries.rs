//! Picklists (industries, sources, regions, size bands) that admins edit.
//! Records store an entry's `code`, which never changes; labels may.

use diesel::prelude::*;

use crate::schema::dictionary_entries;
use crate::{DbConn, RepoError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dictionary_entries)]
pub struct EntryRow {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub position: i32,
    pub active: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dictionary_entries)]
pub struct NewEntryRow {
    pub kind: String,
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub position: i32,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = dictionary_entries)]
pub struct EntryChangeset {
    pub label_zh: Option<String>,
    pub label_en: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

pub fn list(conn: &mut DbConn, kind: &str, include_inactive: bool) -> Result<Vec<EntryRow>, RepoError> {
    let mut q = dictionary_entries::table
        .filter(dictionary_entries::kind.eq(kind.to_owned()))
        .select(EntryRow::as_select())
        .order((dictionary_entries::position.asc(), dictionary_entries::id.asc()))
        .into_boxed();
    if !include_inactive {
        q = q.filter(dictionary_entries::active.eq(true));
    }
    Ok(q.load(conn)?)
}

pub fn insert(conn: &mut DbConn, new: &NewEntryRow) -> Result<EntryRow, RepoError> {
    let id: i64 = diesel::insert_into(dictionary_entries::table)
        .values(new)
        .returning(dictionary_entries::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<EntryRow, RepoError> {
    Ok(dictionary_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)?)
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: Option<i64>,
    changes: &EntryChangeset,
) -> Result<EntryRow, RepoError> {
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let target = dictionary_entries::table.filter(dictionary_entries::id.eq(id)).filter(
        dictionary_entries::version
            .eq(expected_version.unwrap_or(0))
            .or(any_version),
    );
    let bump = dictionary_entries::version.eq(dictionary_entries::version + 1);
    let n = diesel::update(target).set((changes, bump)).execute(conn)?;
    if n == 0 {
        find(conn, id)?;
        return Err(RepoError::Stale);
    }
    find(conn, id)
}

/// Which of the `(kind, code)` pairs are not active entries (one query).
pub fn unknown_codes<'a>(
    conn: &mut DbConn,
    wanted: &[(&'a str, &'a str)],
) -> Result<Vec<(&'a str, &'a str)>, RepoError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<String> = wanted.iter().map(|(_, c)| (*c).to_owned()).collect();
    let found: Vec<(String, String)> = dictionary_entries::table
        .filter(dictionary_entries::code.eq_any(codes))
        .filter(dictionary_entries::active.eq(true))
        .select((dictionary_entries::kind, dictionary_entries::code))
        .load(conn)?;
    Ok(wanted
        .iter()
        .copied()
        .filter(|(k, c)| !found.iter().any(|(fk, fc)| fk == k && fc == c))
        .collect())
}

/// A code given for a field that is no active entry of its dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The request field, which is also the dictionary's kind: `industry`,
    /// `region`, `size_band` or `source`.
    pub field: &'static str,
    pub code: String,
}

/// The refusal of codes that are no active entries: one field error each.
pub fn refused(list: Vec<UnknownCode>) -> domain::problem::Refused {
    domain::problem::Refused::fields(
        list.into_iter()
            .map(|u| {
                domain::problem::FieldError::new(
                    u.field,
                    domain::vocabulary::FieldCode::NotFound,
                    format!(
                        "`{}` is not an active {} (see GET /api/v1/dictionaries/{})",
                        u.code, u.field, u.field
                    ),
                )
            })
            .collect(),
    )
}

/// The codes given for these fields (field = dictionary kind) that are no
/// active entries, in the fields' order (one query).
pub fn unknown(conn: &mut DbConn, fields: &[(&'static str, Option<&str>)]) -> Result<Vec<UnknownCode>, RepoError> {
    let wanted: Vec<(&str, &str)> = fields.iter().filter_map(|(f, c)| c.map(|c| (*f, c))).collect();
    let unknown = unknown_codes(conn, &wanted)?;
    Ok(fields
        .iter()
        .filter_map(|(field, code)| {
            let code = (*code)?;
            unknown.contains(&(*field, code)).then(|| UnknownCode {
                field,
                code: code.to_owned(),
            })
        })
        .collect())
}

/// `(kind, code)` of every active entry of the given kinds, in one query.
pub fn active_codes(conn: &mut DbConn, kinds: &[&str]) -> Result<Vec<(String, String)>, RepoError> {
    Ok(dictionary_entries::table
        .filter(dictionary_entries::kind.eq_any(kinds))
        .filter(dictionary_entries::active.eq(true))
        .select((dictionary_entries::kind, dictionary_entries::code))
        .load(conn)?)
}
