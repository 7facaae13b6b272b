//! Web forms and their submissions.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{form_submissions, lead_forms};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_forms)]
pub struct FormRow {
    pub id: i64,
    pub public_key: String,
    pub name: String,
    pub field_mapping: String,
    pub default_source: Option<String>,
    pub redirect_url: Option<String>,
    pub honeypot_field: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lead_forms)]
pub struct NewFormRow {
    pub public_key: String,
    pub name: String,
    pub field_mapping: String,
    pub default_source: Option<String>,
    pub redirect_url: Option<String>,
    pub honeypot_field: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_form(conn: &mut DbConn, new: &NewFormRow) -> Result<FormRow, RepoError> {
    let id: i64 = diesel::insert_into(lead_forms::table)
        .values(new)
        .returning(lead_forms::id)
        .get_result(conn)?;
    Ok(lead_forms::table.find(id).select(FormRow::as_select()).first(conn)?)
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The default source is no active `source` dictionary entry.
    #[error("`{0}` is not an active source")]
    UnknownSource(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for FormError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use FormError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::UnknownSource(code) => Refused::field(
                "default_source",
                FieldCode::NotFound,
                format!("`{code}` is not an active source (see GET /api/v1/dictionaries/source)"),
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

/// Adds a web form whose default source, if any, is an active source.
pub fn add_form(conn: &mut DbConn, new: &NewFormRow) -> Result<FormRow, FormError> {
    if let Some(source) = &new.default_source
        && !crate::dictionaries::unknown(conn, &[("source", Some(source))])?.is_empty()
    {
        return Err(FormError::UnknownSource(source.clone()));
    }
    Ok(insert_form(conn, new)?)
}

pub fn forms(conn: &mut DbConn) -> Result<Vec<FormRow>, RepoError> {
    Ok(lead_forms::table
        .select(FormRow::as_select())
        .order(lead_forms::id.asc())
        .load(conn)?)
}

pub fn form_by_key(conn: &mut DbConn, key: &str) -> Result<Option<FormRow>, RepoError> {
    if key.contains('\0') {
        return Ok(None); // no key has one, and PostgreSQL cannot even compare it
    }
    Ok(lead_forms::table
        .filter(lead_forms::public_key.eq(key))
        .filter(lead_forms::active.eq(true))
        .select(FormRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn record_submission(
    conn: &mut DbConn,
    form_id: i64,
    payload: &str,
    client_address: Option<&str>,
    outcome: &str,
    lead_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(form_submissions::table)
        .values((
            form_submissions::form_id.eq(form_id),
            form_submissions::payload.eq(payload),
            form_submissions::client_address.eq(client_address),
            form_submissions::outcome.eq(outcome),
            form_submissions::lead_id.eq(lead_id),
            form_submissions::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Submissions from one address since a time (throttling).
pub fn submissions_from(conn: &mut DbConn, address: &str, since: DateTime<Utc>) -> Result<i64, RepoError> {
    Ok(form_submissions::table
        .filter(form_submissions::client_address.eq(address))
        .filter(form_submissions::created_at.ge(naive(since)))
        .count()
        .get_result(conn)?)
}
