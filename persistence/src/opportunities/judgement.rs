//! The rep's judgement of a deal (`domain::pipeline::judgement`): set in one
//! operation that checks it, writes it with the deal's version, keeps the
//! change with who, when and why, and tells webhooks
//! (`deal.probability_changed`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::pipeline::judgement::{self, Judgement};
use domain::vocabulary::{DealStatus, ForecastCategory};

use super::manage::{DealError, DealView};
use super::{OpportunityRow, find_visible};
use crate::schema::{deal_judgements, opportunities};
use crate::scope::Principal;
use crate::{DbConn, RepoError, custom_fields, events, naive};

/// One change of a deal's judgement, as kept.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_judgements)]
pub struct JudgementRow {
    pub id: i64,
    pub opportunity_id: i64,
    pub changed_by: i64,
    pub changed_at: NaiveDateTime,
    pub probability_before: Option<i32>,
    pub probability: Option<i32>,
    pub category_before: Option<String>,
    pub category: String,
    pub reason: String,
}

fn status_of(row: &OpportunityRow) -> Result<DealStatus, RepoError> {
    row.status
        .parse()
        .map_err(|e: domain::vocabulary::UnknownWord| RepoError::Corrupt(e.to_string()))
}

/// Sets the judgement of deal `id` (one the caller may see), if it is
/// still at `expected_version` when given, with `reason` kept beside it.
pub fn judge(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    expected_version: Option<i64>,
    j: Judgement,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DealView, DealError> {
    let deal = find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    let j = judgement::check(status_of(&deal)?, j).map_err(DealError::Judgement)?;
    let any_version = expected_version.is_none().into_sql::<diesel::sql_types::Bool>();
    let n = diesel::update(
        opportunities::table
            .filter(opportunities::id.eq(id))
            .filter(opportunities::status.eq(DealStatus::Open.as_str()))
            .filter(opportunities::version.eq(expected_version.unwrap_or(0)).or(any_version)),
    )
    .set((
        opportunities::rep_probability.eq(j.probability),
        opportunities::forecast_category.eq(j.category.as_str()),
        opportunities::version.eq(opportunities::version + 1),
        opportunities::updated_at.eq(naive(now)),
    ))
    .execute(conn)?;
    if n == 0 {
        // Another write came first: the deal closed or moved on.
        let now_row = super::find(conn, id)?;
        return Err(match status_of(&now_row)? {
            DealStatus::Open => DealError::Repo(RepoError::Stale),
            closed => DealError::Judgement(judgement::JudgementError::Closed(closed)),
        });
    }
    let before = judgement::category_of(DealStatus::Open, stored_category(&deal)?);
    diesel::insert_into(deal_judgements::table)
        .values((
            deal_judgements::opportunity_id.eq(id),
            deal_judgements::changed_by.eq(by.user_id),
            deal_judgements::changed_at.eq(naive(now)),
            deal_judgements::probability_before.eq(deal.rep_probability),
            deal_judgements::probability.eq(j.probability),
            deal_judgements::category_before.eq(deal.forecast_category.as_deref()),
            deal_judgements::category.eq(j.category.as_str()),
            deal_judgements::reason.eq(reason),
        ))
        .execute(conn)?;
    let row = super::find(conn, id)?;
    let data = serde_json::json!({
        "id": row.id, "title": row.title, "customer_id": row.customer_id, "owner_id": row.owner_id,
        "probability_before": deal.rep_probability, "probability": j.probability,
        "category_before": before.as_str(), "category": j.category.as_str(), "reason": reason,
        "amount": row.amount, "currency": row.currency,
    });
    events::emit(
        conn,
        events::about(
            EventKind::DealProbabilityChanged,
            "opportunity",
            row.id,
            &row.title,
            Some(row.owner_id),
            Some(by.user_id),
            data,
        ),
        now,
    )?;
    let custom_fields = custom_fields::values_of(conn, domain::custom_fields::CustomEntity::Opportunity, row.id)?;
    Ok(DealView { row, custom_fields })
}

/// The category a rep chose for a deal, as stored.
pub fn stored_category(row: &OpportunityRow) -> Result<Option<ForecastCategory>, RepoError> {
    row.forecast_category
        .as_deref()
        .map(|c| {
            c.parse()
                .map_err(|e: domain::vocabulary::UnknownWord| RepoError::Corrupt(e.to_string()))
        })
        .transpose()
}

/// The judgement changes of deal `id` (one the caller may see), oldest first.
pub fn judgements(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Vec<JudgementRow>, DealError> {
    find_visible(conn, id, by)?.ok_or(DealError::NotFound)?;
    Ok(deal_judgements::table
        .filter(deal_judgements::opportunity_id.eq(id))
        .order(deal_judgements::id.asc())
        .select(JudgementRow::as_select())
        .load(conn)?)
}
