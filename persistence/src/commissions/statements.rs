//! Monthly statements: computed while the month is open, frozen on approval.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::prelude::*;
use domain::commissions::{self as rules, Base, Line, StatementBody};
use domain::targets::plan::Holder;
use domain::vocabulary::{ContractStatus, Metric};

use super::plan_for;
use crate::schema::{commission_statements as cs, contracts, payments};
use crate::{DbConn, RepoError, audit, naive, targets};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cs)]
pub struct StatementRow {
    pub id: i64,
    pub user_id: i64,
    pub month: NaiveDate,
    pub plan_id: Option<i64>,
    pub body: String,
    pub total: i64,
    pub settled: i64,
    pub approved_by: Option<i64>,
    pub approved_at: chrono::NaiveDateTime,
}

impl StatementRow {
    pub fn body(&self) -> Result<StatementBody, RepoError> {
        serde_json::from_str(&self.body).map_err(|e| RepoError::Corrupt(format!("unreadable statement: {e}")))
    }
}

/// How far back a change to an approved month is still adjusted.
const ADJUST_MONTHS: u32 = 12;

fn label(month: NaiveDate) -> String {
    format!("{}-{:02}", month.year(), month.month())
}

/// What `user` earns in `month` now, before adjustments.
fn compute(conn: &mut DbConn, user: i64, month: NaiveDate) -> Result<StatementBody, RepoError> {
    let end = month + Months::new(1);
    let plan_row = plan_for(conn, user, month)?;
    let plan = plan_row.as_ref().map(super::PlanRow::plan).transpose()?;
    let base = plan.as_ref().map_or(Base::ContractAmount, |p| p.base);
    let lines: Vec<Line> = match base {
        Base::ContractAmount => contracts::table
            .filter(contracts::owner_id.eq(user))
            .filter(contracts::status.eq(ContractStatus::Approved.as_str()))
            .filter(contracts::signed_on.ge(month))
            .filter(contracts::signed_on.lt(end))
            .order((contracts::signed_on.asc(), contracts::id.asc()))
            .select((
                contracts::id,
                contracts::number,
                contracts::signed_on,
                contracts::amount,
            ))
            .load::<(i64, String, NaiveDate, i64)>(conn)?
            .into_iter()
            .map(|(id, reference, date, amount)| Line {
                kind: "contract".into(),
                id,
                reference,
                date,
                amount,
            })
            .collect(),
        Base::CollectedAmount => payments::table
            .inner_join(contracts::table.on(contracts::id.eq(payments::contract_id)))
            .filter(payments::owner_id.eq(user))
            .filter(payments::received_on.ge(month))
            .filter(payments::received_on.lt(end))
            .order((payments::received_on.asc(), payments::id.asc()))
            .select((payments::id, contracts::number, payments::received_on, payments::amount))
            .load::<(i64, String, NaiveDate, i64)>(conn)?
            .into_iter()
            .map(|(id, reference, date, amount)| Line {
                kind: "payment".into(),
                id,
                reference,
                date,
                amount,
            })
            .collect(),
    };
    let actual = domain::money::sum(lines.iter().map(|l| l.amount));
    let metric = match base {
        Base::ContractAmount => Metric::ContractAmount,
        Base::CollectedAmount => Metric::PaymentAmount,
    };
    let progress = targets::progress(conn, month.year(), metric, Holder::User(user))?;
    let m = usize::try_from(month.month()).unwrap_or(1);
    let target = progress.target.map(|t| t[m]);
    let earned = plan
        .as_ref()
        .map(|p| rules::earn(p, actual, target))
        .unwrap_or_default();
    let awards = super::awards::list(conn, &[user], month, end)?
        .into_iter()
        .map(|a| rules::AwardLine {
            id: a.id,
            kind: a.kind,
            reason: a.reason,
            amount: a.amount,
        })
        .collect();
    let mut body = StatementBody {
        month: label(month),
        plan_id: plan_row.as_ref().map(|p| p.id),
        plan_name: plan_row.map(|p| p.name),
        base: plan.map(|p| p.base),
        target,
        actual,
        attainment_bp: earned.attainment_bp,
        tier: earned.tier,
        commission: earned.commission,
        bonus: earned.bonus,
        lines,
        awards,
        adjustments: Vec::new(),
        total: 0,
    };
    body.total = body.earned();
    Ok(body)
}

/// Earlier approved months of `user` whose earnings, computed now, differ
/// from what was settled: `(row, earned now)`.
fn changed_months(conn: &mut DbConn, user: i64, month: NaiveDate) -> Result<Vec<(StatementRow, i64)>, RepoError> {
    let since = month - Months::new(ADJUST_MONTHS);
    let rows: Vec<StatementRow> = cs::table
        .filter(cs::user_id.eq(user))
        .filter(cs::month.lt(month))
        .filter(cs::month.ge(since))
        .order(cs::month.asc())
        .select(StatementRow::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for row in rows {
        let now = compute(conn, user, row.month)?.earned();
        if now != row.settled {
            out.push((row, now));
        }
    }
    Ok(out)
}

/// `user`'s statement for `month` (its first day): the frozen one once the
/// month is approved, else computed now with adjustments for earlier
/// approved months. The flag says whether it is approved.
pub fn statement(
    conn: &mut DbConn,
    user: i64,
    month: NaiveDate,
) -> Result<(StatementBody, Option<StatementRow>), RepoError> {
    let frozen: Option<StatementRow> = cs::table
        .filter(cs::user_id.eq(user))
        .filter(cs::month.eq(month))
        .select(StatementRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = frozen {
        return Ok((row.body()?, Some(row)));
    }
    Ok((open_statement(conn, user, month)?.0, None))
}

/// An open month's statement computed now, with the earlier approved months
/// it adjusts (`(row, earned now)`), so approval settles them without
/// computing them again.
fn open_statement(
    conn: &mut DbConn,
    user: i64,
    month: NaiveDate,
) -> Result<(StatementBody, Vec<(StatementRow, i64)>), RepoError> {
    let mut body = compute(conn, user, month)?;
    let changed = changed_months(conn, user, month)?;
    body.adjustments = rules::adjustments(
        &changed
            .iter()
            .map(|(r, now)| (label(r.month), *now, r.settled))
            .collect::<Vec<_>>(),
    );
    body.total = domain::money::sum(std::iter::once(body.earned()).chain(body.adjustments.iter().map(|a| a.amount)));
    Ok((body, changed))
}

/// Approves `month` for `users` (those already approved stay as they are):
/// each statement is frozen, and the earlier months it adjusts are settled
/// at what they earn now. Returns how many were approved.
pub fn approve(
    conn: &mut DbConn,
    users: &[i64],
    month: NaiveDate,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<usize, RepoError> {
    let mut approved = 0;
    for user in users {
        let approved_already: bool = diesel::select(diesel::dsl::exists(
            cs::table.filter(cs::user_id.eq(user)).filter(cs::month.eq(month)),
        ))
        .get_result(conn)?;
        if approved_already {
            continue;
        }
        let (body, changed) = open_statement(conn, *user, month)?;
        for (row, earned_now) in changed {
            diesel::update(cs::table.find(row.id))
                .set(cs::settled.eq(earned_now))
                .execute(conn)?;
        }
        let json = serde_json::to_string(&body).map_err(|e| RepoError::Corrupt(e.to_string()))?;
        diesel::insert_into(cs::table)
            .values((
                cs::user_id.eq(user),
                cs::month.eq(month),
                cs::plan_id.eq(body.plan_id),
                cs::body.eq(json),
                cs::total.eq(body.total),
                cs::settled.eq(body.earned()),
                cs::approved_by.eq(Some(actor)),
                cs::approved_at.eq(naive(now)),
            ))
            .execute(conn)?;
        approved += 1;
    }
    let detail = serde_json::json!({ "month": label(month), "statements": approved }).to_string();
    audit::record(conn, "commission_statements", 0, "approved", Some(actor), &detail, now)?;
    Ok(approved)
}
