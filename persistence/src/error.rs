//! The small error vocabulary of the storage layer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not found")]
    NotFound,
    /// A unique index refused the write; `constraint` names it (PostgreSQL's
    /// constraint name or SQLite's message) so callers can say which rule.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// A foreign key refused the write (a referenced row is absent or in use).
    #[error("reference refused: {0}")]
    Reference(String),
    /// The row changed since the caller read it (optimistic locking).
    #[error("stale version")]
    Stale,
    #[error("database error: {0}")]
    Db(DieselError),
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
}

impl RepoError {
    /// Is this a conflict on a constraint whose name or message contains `needle`?
    pub fn is_conflict_on(&self, needle: &str) -> bool {
        matches!(self, RepoError::Conflict { constraint } if constraint.contains(needle))
    }
}

impl From<DieselError> for RepoError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => RepoError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => RepoError::Conflict {
                constraint: info
                    .constraint_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| info.message().to_owned()),
            },
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                RepoError::Reference(info.message().to_owned())
            }
            other => RepoError::Db(other),
        }
    }
}
