//! Submitting and deciding contracts. Above the organisation's threshold a
//! contract waits for a manager of the owner's department (or an admin);
//! at or below it, submitting approves it. Approval marks the customer dealt
//! (recording when and for whom it was first won) and wins the linked open
//! deal through `domain::pipeline::won_by_contract`, recorded in its history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::events::EventKind;
use domain::vocabulary::ContractStatus;
use serde_json::json;

use super::{ContractError, ContractRow, Result, locked_visible, policy, reload};
use crate::customers;
use crate::opportunities::{self, OpportunityChangeset};
use crate::schema::{contracts as k, customer_wins, users};
use crate::scope::Actor;
use crate::{DbConn, audit, naive};

fn set_status(
    conn: &mut DbConn,
    row: &ContractRow,
    to: ContractStatus,
    actor: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let deciding = matches!(to, ContractStatus::Approved | ContractStatus::Rejected);
    let n = diesel::update(k::table.filter(k::id.eq(row.id)).filter(k::version.eq(row.version)))
        .set((
            k::status.eq(to.as_str()),
            k::submitted_at.eq(if to == ContractStatus::PendingApproval || deciding {
                row.submitted_at.or(Some(naive(now)))
            } else {
                row.submitted_at
            }),
            k::decided_at.eq(if deciding { Some(naive(now)) } else { row.decided_at }),
            k::decided_by.eq(if deciding { Some(actor) } else { row.decided_by }),
            k::decision_note.eq(if deciding {
                note.map(str::to_owned)
            } else {
                row.decision_note.clone()
            }),
            k::version.eq(k::version + 1),
            k::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(ContractError::Repo(crate::RepoError::Stale));
    }
    let detail = json!({ "status": [row.status, to.as_str()], "note": note }).to_string();
    audit::record(conn, "contract", row.id, to.as_str(), Some(actor), &detail, now)?;
    if to == ContractStatus::PendingApproval {
        crate::events::about_contract(conn, EventKind::ContractSubmitted, row, Some(actor), json!({}), now)?;
    }
    Ok(())
}

/// Submits a draft (or a revised rejected contract): it waits for approval,
/// or is approved at once when at or below the threshold.
pub fn submit(conn: &mut DbConn, actor: &Actor<'_>, id: i64, now: DateTime<Utc>) -> Result<ContractRow> {
    let row = locked_visible(conn, actor.scope, id)?;
    domain::contracts::may_submit(row.state()?).map_err(ContractError::State)?;
    super::plans_add_up(conn, &row)?;
    let to = policy(conn)?.on_submit(row.amount);
    set_status(conn, &row, to, actor.user_id, None, now)?;
    if to == ContractStatus::Approved {
        let approved = reload(conn, id)?;
        on_approved(conn, &approved, actor.user_id, now)?;
    }
    reload(conn, id)
}

/// May the actor decide this contract: an admin, or a manager whose subtree
/// holds the owner's department, never the owner themselves.
fn check_approver(conn: &mut DbConn, actor: &Actor<'_>, row: &ContractRow) -> Result<()> {
    let owner_dept: Option<i64> = users::table
        .find(row.owner_id)
        .select(users::department_id)
        .first(conn)?;
    if domain::scope::may_approve(actor.scope, row.owner_id, owner_dept) {
        Ok(())
    } else {
        Err(ContractError::NotApprover)
    }
}

/// Approves or rejects a pending contract.
pub fn decide(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: i64,
    approve: bool,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ContractRow> {
    let row = locked_visible(conn, actor.scope, id)?;
    check_approver(conn, actor, &row)?;
    domain::contracts::may_decide(row.state()?).map_err(ContractError::State)?;
    let to = if approve {
        ContractStatus::Approved
    } else {
        ContractStatus::Rejected
    };
    set_status(conn, &row, to, actor.user_id, note, now)?;
    if approve {
        let approved = reload(conn, id)?;
        on_approved(conn, &approved, actor.user_id, now)?;
    }
    reload(conn, id)
}

/// What approval sets off: the customer is dealt (first win recorded with
/// its owner and department), and the linked open deal is won.
fn on_approved(conn: &mut DbConn, c: &ContractRow, actor: i64, now: DateTime<Utc>) -> Result<()> {
    customers::mark_dealt(conn, c.customer_id, now)?;
    crate::events::about_contract(conn, EventKind::ContractApproved, c, Some(actor), json!({}), now)?;
    let first: i64 = customer_wins::table
        .filter(customer_wins::customer_id.eq(c.customer_id))
        .count()
        .get_result(conn)?;
    if first == 0 {
        diesel::insert_into(customer_wins::table)
            .values((
                customer_wins::customer_id.eq(c.customer_id),
                customer_wins::won_on.eq(c.signed_on),
                customer_wins::owner_id.eq(Some(c.owner_id)),
                customer_wins::department_id.eq(c.department_id),
                customer_wins::contract_id.eq(Some(c.id)),
            ))
            .execute(conn)?;
    }
    let Some(deal_id) = c.opportunity_id else {
        return Ok(());
    };
    opportunities::lock(conn, deal_id)?;
    let deal = opportunities::find(conn, deal_id)?;
    let stages: Vec<_> = opportunities::stages_of(conn, &[deal.pipeline_id])?
        .iter()
        .map(|s| s.rule())
        .collect();
    let facts = domain::pipeline::DealFacts {
        stage_id: deal.stage_id,
        amount: deal.amount,
        has_expected_close_date: deal.expected_close_date.is_some(),
        has_contact: deal.contact_id.is_some(),
    };
    let Some(won) = domain::pipeline::won_by_contract(&stages, &facts) else {
        return Ok(());
    };
    let changes = OpportunityChangeset {
        stage_id: Some(won),
        status: Some("won".to_owned()),
        amount: deal.amount.is_none().then_some(Some(c.amount)),
        stage_entered_at: Some(naive(now)),
        closed_at: Some(Some(naive(now))),
        ..OpportunityChangeset::default()
    };
    let after = opportunities::update(conn, deal.id, None, &changes, now)?;
    crate::events::deal_moved(conn, &after, deal.stage_id, Some(actor), now)?;
    let change = domain::pipeline::stage_change(Some((deal.stage_id, deal.stage_entered_at.and_utc())), won, now);
    opportunities::record_change(conn, deal.id, &change, actor)?;
    let detail = json!({ "stage_id": [deal.stage_id, won], "status": [deal.status, "won"], "contract_id": c.id });
    audit::record(
        conn,
        "opportunity",
        deal.id,
        "moved",
        Some(actor),
        &detail.to_string(),
        now,
    )?;
    Ok(())
}
