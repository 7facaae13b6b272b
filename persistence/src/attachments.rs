//! Attachment records: which file belongs to which customer, deal or
//! contract. The bytes are in the blob store; each operation here checks the
//! parent record against the caller's scope in the same transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::attachments::{AttachedTo, AttachmentSettings};
use domain::scope::{Access, DataScope};

use crate::schema::attachments as a;
use crate::scope::Reach;
use crate::{DbConn, RepoError, audit, naive, settings};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
pub struct AttachmentRow {
    pub id: i64,
    pub attached_to: String,
    pub record_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A stored file to record.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub attached_to: AttachedTo,
    pub record_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// The record (or the attachment) is not one the caller may see.
    #[error("no such record in your scope")]
    NotFound,
    #[error("you may read this record but not change it")]
    ReadOnly,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for AttachmentError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use domain::problem::Refused;

        use AttachmentError as E;
        Ok(match self {
            E::NotFound => Refused::not_found("attachment"),
            E::ReadOnly => Refused::forbidden("you may read this record but not change it"),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for AttachmentError {
    fn from(e: diesel::result::Error) -> Self {
        AttachmentError::Repo(e.into())
    }
}

/// What the scope may do with the record that takes attachments.
pub fn record_access(
    conn: &mut DbConn,
    scope: &DataScope,
    to: AttachedTo,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Access, RepoError> {
    Ok(match to {
        AttachedTo::Customer => {
            crate::customers::find_visible(conn, id, scope, false, now)?.map_or(Access::None, |(_, a)| a)
        }
        // a deal or contract the caller sees is one they work on
        AttachedTo::Opportunity => match crate::opportunities::find_visible(conn, id, scope)? {
            Some(_) => Access::Write,
            None => Access::None,
        },
        AttachedTo::Contract => match crate::contracts::find_visible(conn, scope, id)? {
            Some(_) => Access::Write,
            None => Access::None,
        },
    })
}

fn writable(
    conn: &mut DbConn,
    scope: &DataScope,
    to: AttachedTo,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AttachmentError> {
    match record_access(conn, scope, to, id, now)? {
        Access::Write => Ok(()),
        Access::Read => Err(AttachmentError::ReadOnly),
        Access::None => Err(AttachmentError::NotFound),
    }
}

/// Records an uploaded file on a record the actor may change, with an audit entry.
pub fn create(
    conn: &mut DbConn,
    by: &impl Reach,
    actor: i64,
    new: NewAttachment,
    now: DateTime<Utc>,
) -> Result<AttachmentRow, AttachmentError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    writable(conn, scope, new.attached_to, new.record_id, now)?;
    let id: i64 = diesel::insert_into(a::table)
        .values((
            a::attached_to.eq(new.attached_to.as_str()),
            a::record_id.eq(new.record_id),
            a::file_name.eq(&new.file_name),
            a::content_type.eq(&new.content_type),
            a::size_bytes.eq(new.size_bytes),
            a::sha256.eq(&new.sha256),
            a::storage_key.eq(&new.storage_key),
            a::uploaded_by.eq(Some(actor)),
            a::created_at.eq(naive(now)),
        ))
        .returning(a::id)
        .get_result(conn)?;
    let row: AttachmentRow = a::table.find(id).select(AttachmentRow::as_select()).first(conn)?;
    let detail = serde_json::json!({"attachment_id": row.id, "file_name": row.file_name, "size_bytes": row.size_bytes});
    audit::record(
        conn,
        new.attached_to.as_str(),
        new.record_id,
        "attachment_added",
        Some(actor),
        &detail.to_string(),
        now,
    )?;
    Ok(row)
}

/// The attachments of a record the scope may see, oldest first; `None` when it may not.
pub fn list(
    conn: &mut DbConn,
    by: &impl Reach,
    to: AttachedTo,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Vec<AttachmentRow>>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    if record_access(conn, scope, to, id, now)? == Access::None {
        return Ok(None);
    }
    Ok(Some(
        a::table
            .filter(a::attached_to.eq(to.as_str()))
            .filter(a::record_id.eq(id))
            .order(a::id.asc())
            .select(AttachmentRow::as_select())
            .load(conn)?,
    ))
}

/// An attachment whose record the scope may see, with what the caller may do.
pub fn find_visible(
    conn: &mut DbConn,
    by: &impl Reach,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(AttachmentRow, Access)>, RepoError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let Some(row) = a::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Ok(to) = row.attached_to.parse::<AttachedTo>() else {
        return Err(RepoError::Corrupt(format!(
            "attachment {id} is on an unknown record kind"
        )));
    };
    match record_access(conn, scope, to, row.record_id, now)? {
        Access::None => Ok(None),
        access => Ok(Some((row, access))),
    }
}

/// Removes an attachment's record (the caller then removes the bytes).
pub fn delete(
    conn: &mut DbConn,
    by: &impl Reach,
    actor: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<AttachmentRow, AttachmentError> {
    let scope = by.scope_in(conn)?;
    let scope: &DataScope = &scope;
    let (row, access) = find_visible(conn, scope, id, now)?.ok_or(AttachmentError::NotFound)?;
    if access != Access::Write {
        return Err(AttachmentError::ReadOnly);
    }
    diesel::delete(a::table.find(id)).execute(conn)?;
    let detail = serde_json::json!({"attachment_id": row.id, "file_name": row.file_name});
    audit::record(
        conn,
        &row.attached_to,
        row.record_id,
        "attachment_removed",
        Some(actor),
        &detail.to_string(),
        now,
    )?;
    Ok(row)
}

const SETTINGS: &str = "attachments";

/// The organisation's attachment limits, or the defaults.
pub fn limits(conn: &mut DbConn) -> Result<AttachmentSettings, RepoError> {
    match settings::get(conn, SETTINGS)? {
        None => Ok(AttachmentSettings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| RepoError::Corrupt(format!("the stored attachment settings are unreadable: {e}"))),
    }
}

/// Saves the limits (already checked), with an audit entry naming the admin.
pub fn set_limits(conn: &mut DbConn, s: &AttachmentSettings, actor: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    let json = serde_json::to_string(s).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    settings::put(conn, SETTINGS, &json)?;
    audit::record(
        conn,
        "settings",
        0,
        "attachment_settings_changed",
        Some(actor),
        &json,
        now,
    )
}
