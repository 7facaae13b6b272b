//! Team development: onboarding and training records, and mentoring (老带新)
//! whose joint visits are counted from the companions of visits.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{activities, activity_companions, mentorships as ms, training_records as tr};
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tr)]
pub struct TrainingRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub course: String,
    pub held_on: NaiveDate,
    pub result: Option<String>,
    pub score: Option<i32>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewTraining {
    pub user_id: i64,
    /// `onboarding` or `training`.
    pub kind: &'static str,
    pub course: String,
    pub held_on: NaiveDate,
    pub result: Option<String>,
    pub score: Option<i32>,
}

pub fn add_training(
    conn: &mut DbConn,
    new: &NewTraining,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<TrainingRow, RepoError> {
    let id: i64 = diesel::insert_into(tr::table)
        .values((
            tr::user_id.eq(new.user_id),
            tr::kind.eq(new.kind),
            tr::course.eq(&new.course),
            tr::held_on.eq(new.held_on),
            tr::result.eq(&new.result),
            tr::score.eq(new.score),
            tr::created_by.eq(Some(actor)),
            tr::created_at.eq(naive(now)),
        ))
        .returning(tr::id)
        .get_result(conn)?;
    audit::record(conn, "training", id, "recorded", Some(actor), &new.course, now)?;
    Ok(tr::table.find(id).select(TrainingRow::as_select()).first(conn)?)
}

/// The training records of `users`, newest first.
pub fn training_of(conn: &mut DbConn, users: &[i64]) -> Result<Vec<TrainingRow>, RepoError> {
    Ok(tr::table
        .filter(tr::user_id.eq_any(users))
        .order((tr::held_on.desc(), tr::id.desc()))
        .select(TrainingRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ms)]
pub struct MentorshipRow {
    pub id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum MentorshipError {
    #[error("no such mentorship in your reach")]
    NotFound,
    #[error("this rep has a mentor already")]
    Running { id: i64 },
    #[error("a mentorship ends on or after the day it started")]
    Dates,
    /// A rep pairs or ends nothing: managers within their subtree and admins do.
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The mentor or the mentee is not a rep in the caller's reach.
    #[error("no such rep in your reach")]
    NoSuchRep,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for MentorshipError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use MentorshipError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotAllowed(detail) => Refused::forbidden(detail),
            E::NoSuchRep => Refused::not_found("user"),
            E::NotFound => Refused::not_found("mentorship"),
            E::Running { id } => Refused::conflict(ErrorCode::MentorshipExists, "this rep has a mentor already")
                .with_context(serde_json::json!({ "id": id })),
            E::Dates => Refused::field(
                "ended_on",
                FieldCode::Range,
                "a mentorship ends on or after the day it started",
            ),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for MentorshipError {
    fn from(e: diesel::result::Error) -> Self {
        MentorshipError::Repo(e.into())
    }
}

fn running(conn: &mut DbConn, mentee: i64) -> Result<Option<i64>, RepoError> {
    Ok(ms::table
        .filter(ms::mentee_id.eq(mentee))
        .filter(ms::ended_on.is_null())
        .select(ms::id)
        .first(conn)
        .optional()?)
}

/// Pairs `mentee` with `mentor` from `started_on`; one running mentorship per
/// mentee (the unique index answers a race, inside a savepoint).
pub fn start_mentorship(
    conn: &mut DbConn,
    mentor: i64,
    mentee: i64,
    started_on: NaiveDate,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<MentorshipRow, MentorshipError> {
    if let Some(id) = running(conn, mentee)? {
        return Err(MentorshipError::Running { id });
    }
    let inserted = conn.transaction(|c| {
        diesel::insert_into(ms::table)
            .values((
                ms::mentor_id.eq(mentor),
                ms::mentee_id.eq(mentee),
                ms::started_on.eq(started_on),
                ms::created_by.eq(Some(actor)),
                ms::created_at.eq(naive(now)),
            ))
            .returning(ms::id)
            .get_result::<i64>(c)
    });
    let id = match inserted {
        Ok(id) => id,
        Err(e) => match RepoError::from(e) {
            RepoError::Conflict { .. } => {
                return Err(
                    running(conn, mentee)?.map_or(MentorshipError::NotFound, |id| MentorshipError::Running { id })
                );
            }
            other => return Err(other.into()),
        },
    };
    let detail = serde_json::json!({ "mentor_id": mentor, "mentee_id": mentee }).to_string();
    audit::record(conn, "mentorship", id, "started", Some(actor), &detail, now)?;
    Ok(ms::table.find(id).select(MentorshipRow::as_select()).first(conn)?)
}

pub fn find_mentorship(conn: &mut DbConn, id: i64) -> Result<Option<MentorshipRow>, RepoError> {
    Ok(ms::table
        .find(id)
        .select(MentorshipRow::as_select())
        .first(conn)
        .optional()?)
}

/// Ends a running mentorship on `ended_on`.
pub fn end_mentorship(
    conn: &mut DbConn,
    row: &MentorshipRow,
    ended_on: NaiveDate,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<MentorshipRow, MentorshipError> {
    if ended_on < row.started_on {
        return Err(MentorshipError::Dates);
    }
    diesel::update(ms::table.find(row.id).filter(ms::ended_on.is_null()))
        .set(ms::ended_on.eq(Some(ended_on)))
        .execute(conn)?;
    audit::record(conn, "mentorship", row.id, "ended", Some(actor), "{}", now)?;
    Ok(ms::table.find(row.id).select(MentorshipRow::as_select()).first(conn)?)
}

/// Mentorships where a mentor or mentee is one of `users`, newest first.
pub fn mentorships_of(conn: &mut DbConn, users: &[i64]) -> Result<Vec<MentorshipRow>, RepoError> {
    Ok(ms::table
        .filter(ms::mentor_id.eq_any(users).or(ms::mentee_id.eq_any(users)))
        .order(ms::id.desc())
        .select(MentorshipRow::as_select())
        .load(conn)?)
}

/// Visits the mentor and the mentee made together while the mentorship ran:
/// one logged by either with the other as a companion.
pub fn joint_visits(conn: &mut DbConn, m: &MentorshipRow) -> Result<i64, RepoError> {
    // the days run in the organisation's time zone
    let tz = crate::settings::zone(conn)?;
    let from = naive(domain::calendar::day_start(m.started_on, tz));
    // a running one counts up to a far date (SQLite compares stored times as text)
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    let to = naive(domain::calendar::day_start(
        m.ended_on.map_or(far, |e| e + Duration::days(1)),
        tz,
    ));
    let pair = |author: i64, companion: i64| {
        activities::table
            .inner_join(activity_companions::table.on(activity_companions::activity_id.eq(activities::id)))
            .filter(activities::kind.eq("visit"))
            .filter(activities::deleted_at.is_null())
            .filter(activities::created_by.eq(author))
            .filter(activity_companions::user_id.eq(companion))
            .filter(activities::occurred_at.ge(from))
            .filter(activities::occurred_at.lt(to))
            .count()
    };
    let a: i64 = pair(m.mentee_id, m.mentor_id).get_result(conn)?;
    let b: i64 = pair(m.mentor_id, m.mentee_id).get_result(conn)?;
    Ok(a + b)
}

/// A mentorship and the joint visits of its pair so far.
#[derive(Debug, Clone)]
pub struct Mentorship {
    pub row: MentorshipRow,
    pub joint_visits: i64,
}

/// The reps the caller reaches (their team records: training, mentorships),
/// and whether they may write them (managers and admins).
pub fn reach(conn: &mut DbConn, by: &crate::scope::Principal) -> Result<(Vec<i64>, bool), RepoError> {
    let scope = by.scope(conn)?;
    let writes = !matches!(scope, domain::scope::DataScope::Own { .. });
    let reps = crate::reports::rankings::reps(conn, &scope)?;
    Ok((reps.into_iter().map(|r| r.id).collect(), writes))
}

fn with_visits(conn: &mut DbConn, row: MentorshipRow) -> Result<Mentorship, MentorshipError> {
    Ok(Mentorship {
        joint_visits: joint_visits(conn, &row)?,
        row,
    })
}

/// Pairs a rep with a mentor (老带新), both reps the caller reaches, from
/// `started_on` (default: today in the organisation's time zone).
pub fn pair(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    mentor: i64,
    mentee: i64,
    started_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Mentorship, MentorshipError> {
    let (reps, writes) = reach(conn, by)?;
    if !writes {
        return Err(MentorshipError::NotAllowed("a manager or an admin pairs mentors"));
    }
    if !reps.contains(&mentor) || !reps.contains(&mentee) {
        return Err(MentorshipError::NoSuchRep);
    }
    let started = crate::settings::day_or_today(conn, started_on, now)?;
    let row = start_mentorship(conn, mentor, mentee, started, by.user_id, now)?;
    with_visits(conn, row)
}

/// Ends a running mentorship of a mentee the caller reaches, on `ended_on`
/// (default: today).
pub fn unpair(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    id: i64,
    ended_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Mentorship, MentorshipError> {
    let (reps, writes) = reach(conn, by)?;
    let row = find_mentorship(conn, id)?
        .filter(|m| reps.contains(&m.mentee_id))
        .ok_or(MentorshipError::NotFound)?;
    if !writes {
        return Err(MentorshipError::NotAllowed("a manager or an admin ends a mentorship"));
    }
    let ended = crate::settings::day_or_today(conn, ended_on, now)?;
    let row = end_mentorship(conn, &row, ended, by.user_id, now)?;
    with_visits(conn, row)
}
