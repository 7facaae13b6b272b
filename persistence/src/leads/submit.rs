//! A web form's submission as one operation: the form by its public key, the
//! per-address hourly cap, the honeypot, the lead checked and routed, and the
//! submission recorded whatever became of it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::{
    FormRow, Incoming, NewLeadRow, Origin, Router, form_by_key, intake_one, record_submission, submissions_from,
};
use crate::{DbConn, RepoError};

/// A submission to take.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The form's public key.
    pub key: String,
    pub fields: BTreeMap<String, String>,
    pub address: Option<String>,
    /// Submissions an address may make in an hour.
    pub per_hour: i64,
}

/// Why a submission was refused before it was recorded.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no such form")]
    NoSuchForm,
    #[error("too many submissions from this address")]
    TooMany,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// What became of a recorded submission. Every one is recorded (and
/// committed), the refused ones too.
#[derive(Debug)]
pub enum Taken<R> {
    /// The honeypot was filled: nothing else happens.
    Spam,
    /// The fields do not make a lead.
    Invalid(R),
    /// A lead was stored (or linked as a duplicate).
    Stored,
}

/// Takes a submission; `prepare` makes the lead from the form, the fields
/// and the active `(kind, code)` region, industry and source codes. Answers
/// the form (for its redirect) and what became of the submission, recorded
/// as spam, invalid, created or duplicate.
pub fn submit<R>(
    conn: &mut DbConn,
    s: Submission,
    prepare: impl FnOnce(&FormRow, &BTreeMap<String, String>, Vec<(String, String)>) -> Result<NewLeadRow, R>,
    sla: Duration,
    now: DateTime<Utc>,
) -> Result<(FormRow, Taken<R>), SubmitError> {
    let form = form_by_key(conn, &s.key)?.ok_or(SubmitError::NoSuchForm)?;
    if let Some(a) = &s.address
        && submissions_from(conn, a, now - Duration::hours(1))? >= s.per_hour
    {
        return Err(SubmitError::TooMany);
    }
    let payload = serde_json::to_string(&s.fields).unwrap_or_default();
    let address = s.address.as_deref();
    let spam = form
        .honeypot_field
        .as_ref()
        .is_some_and(|h| s.fields.get(h).is_some_and(|v| !v.trim().is_empty()));
    if spam {
        record_submission(conn, form.id, &payload, address, "spam", None, now)?;
        return Ok((form, Taken::Spam));
    }
    let codes = crate::dictionaries::active_codes(conn, &["region", "industry", "source"])?;
    let row = match prepare(&form, &s.fields, codes) {
        Ok(row) => row,
        Err(refusal) => {
            record_submission(conn, form.id, &payload, address, "invalid", None, now)?;
            return Ok((form, Taken::Invalid(refusal)));
        }
    };
    let mut router = Router::load(conn, sla)?;
    let origin = Origin {
        form_id: Some(form.id),
        ..Origin::default()
    };
    let incoming = Incoming {
        row,
        raw_payload: Some(payload.clone()),
    };
    let (lead, duplicate) = intake_one(conn, &mut router, incoming, origin, None, now)?;
    let outcome = if duplicate.is_some() { "duplicate" } else { "created" };
    record_submission(conn, form.id, &payload, address, outcome, Some(lead.id), now)?;
    Ok((form, Taken::Stored))
}
