//! The small error vocabulary of the storage layer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// The unique rule a write broke, named once here from PostgreSQL's
/// constraint name or SQLite's message, so no caller matches on text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// Two live customers with one normalised name (撞单).
    CustomerName,
    /// Two live customers with one credit code.
    CustomerCreditCode,
    UserEmail,
    /// Two sibling departments with one name.
    DepartmentName,
    DictionaryCode,
    PipelineName,
    IdempotencyKey,
    Setting,
    /// Two contracts with one number.
    ContractNumber,
    /// Two products with one code.
    ProductCode,
    /// Any other unique rule, as the database named it.
    Other(String),
}

impl Constraint {
    pub fn from_db(text: &str) -> Constraint {
        const RULES: [(&[&str], Constraint); 10] = [
            (&["customers_name_key", "customers.name_key"], Constraint::CustomerName),
            (
                &["customers_credit_code", "customers.credit_code"],
                Constraint::CustomerCreditCode,
            ),
            (&["users_email", "users.email"], Constraint::UserEmail),
            (&["departments_sibling_name"], Constraint::DepartmentName),
            (
                &["dictionary_entries_kind_code", "dictionary_entries.kind"],
                Constraint::DictionaryCode,
            ),
            (&["pipelines_name", "pipelines.name"], Constraint::PipelineName),
            (
                &["idempotency_keys_unique", "idempotency_keys.caller"],
                Constraint::IdempotencyKey,
            ),
            (&["settings_pkey", "settings.name"], Constraint::Setting),
            (&["contracts_number", "contracts.number"], Constraint::ContractNumber),
            (&["products_code", "products.code"], Constraint::ProductCode),
        ];
        RULES
            .into_iter()
            .find(|(needles, _)| needles.iter().any(|n| text.contains(n)))
            .map_or_else(|| Constraint::Other(text.to_owned()), |(_, c)| c)
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Constraint::Other(text) => f.write_str(text),
            known => write!(f, "{known:?}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not found")]
    NotFound,
    /// A unique index refused the write; `constraint` says which rule.
    #[error("conflict on {constraint}")]
    Conflict { constraint: Constraint },
    /// A foreign key refused the write (a referenced row is absent or in use).
    #[error("reference refused: {0}")]
    Reference(String),
    /// The row changed since the caller read it (optimistic locking).
    #[error("stale version")]
    Stale,
    /// A stored value the code cannot read (e.g. settings JSON written by a
    /// newer version): a fault to report, never a default to assume.
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(DieselError),
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
}

impl RepoError {
    /// Did the unique rule `which` refuse the write?
    pub fn is_conflict_on(&self, which: &Constraint) -> bool {
        matches!(self, RepoError::Conflict { constraint } if constraint == which)
    }
}

/// Tells a genuine "no such row" from a failure: `Ok(None)` only for
/// [`RepoError::NotFound`], so an outage never passes for an absent record.
pub trait Found<T> {
    fn found(self) -> Result<Option<T>, RepoError>;
}

impl<T> Found<T> for Result<T, RepoError> {
    fn found(self) -> Result<Option<T>, RepoError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(RepoError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl From<DieselError> for RepoError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => RepoError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => RepoError::Conflict {
                constraint: Constraint::from_db(info.constraint_name().unwrap_or_else(|| info.message())),
            },
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                RepoError::Reference(info.message().to_owned())
            }
            other => RepoError::Db(other),
        }
    }
}

/// An operation's error as the client is told it: a refusal decided next
/// to the error's definition, or (`Err`) a fault of the store, which the
/// API answers as it answers every [`RepoError`].
pub trait Explain {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError>;
}
