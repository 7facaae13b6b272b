//! Changing a customer: one operation in the caller's transaction (scope and
//! version checks, picklist codes, the rename guard against an existing
//! company, tags, grade history and the audit of what changed).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::scope::Access;
use serde_json::json;

use super::CustomerChangeset;
use super::write::{Actor, CustomerWriteError, Result, Stored, check_codes, existing, guarded, stored};
use crate::{DbConn, audit};

/// A change to a customer: the changeset plus, when given, a new name (its
/// keys set the changeset's name, key and reversed key) and new tags.
#[derive(Debug, Clone, Default)]
pub struct CustomerChange {
    pub fields: CustomerChangeset,
    pub name: Option<domain::dedup::CompanyName>,
    pub tags: Option<Vec<String>>,
}

/// Changes a customer the actor may write, if still at `expected_version`:
/// refuses a rename into an existing company, re-indexes a new name, records
/// what changed in the audit trail.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: i64,
    expected_version: Option<i64>,
    mut change: CustomerChange,
    now: DateTime<Utc>,
) -> Result<Stored> {
    let before = match super::find_visible(conn, id, actor.scope, false, now)? {
        Some((row, Access::Write)) => row,
        Some(_) => return Err(CustomerWriteError::ReadOnly),
        None => return Err(CustomerWriteError::NotFound),
    };
    let f = &mut change.fields;
    let code_of = |v: &Option<Option<String>>| v.clone().flatten();
    let (industry, region, size_band, source) = (
        code_of(&f.industry),
        code_of(&f.region),
        code_of(&f.size_band),
        code_of(&f.source),
    );
    check_codes(
        conn,
        [
            ("industry", industry.as_deref()),
            ("region", region.as_deref()),
            ("size_band", size_band.as_deref()),
            ("source", source.as_deref()),
        ],
    )?;
    if let Some(name) = &change.name {
        f.name = Some(name.display().to_owned());
        f.name_key = Some(name.key().to_owned());
        f.name_key_rev = Some(name.reversed().to_owned());
    }
    let key = f.name_key.clone().unwrap_or_else(|| before.name_key.clone());
    let code = match &f.credit_code {
        Some(c) => c.clone(),
        None => before.credit_code.clone(),
    };
    if (f.name_key.is_some() || f.credit_code.is_some())
        && let Some(e) = existing(conn, &key, code.as_deref(), Some(id))?
    {
        return Err(CustomerWriteError::Exists(Box::new(e)));
    }
    let fields = change.fields;
    let after = guarded(conn, &key, code.as_deref(), Some(id), |c| {
        super::update(c, id, expected_version, &fields, now)
    })?;
    if let Some(tags) = &change.tags {
        super::set_tags(conn, id, tags)?;
    }
    let mut diff = serde_json::Map::new();
    if before.name != after.name {
        diff.insert("name".into(), json!([before.name, after.name]));
    }
    if before.grade != after.grade {
        diff.insert("grade".into(), json!([before.grade, after.grade]));
        diesel::insert_into(crate::schema::grade_changes::table)
            .values((
                crate::schema::grade_changes::customer_id.eq(id),
                crate::schema::grade_changes::from_grade.eq(&before.grade),
                crate::schema::grade_changes::to_grade.eq(&after.grade),
                crate::schema::grade_changes::owner_id.eq(after.owner_id),
                crate::schema::grade_changes::changed_by.eq(actor.user_id),
                crate::schema::grade_changes::changed_at.eq(crate::naive(now)),
            ))
            .execute(conn)?;
    }
    if !diff.is_empty() {
        let detail = serde_json::Value::Object(diff).to_string();
        audit::record(conn, "customer", id, "updated", Some(actor.user_id), &detail, now)?;
    }
    stored(conn, after)
}

/// A changed customer, its custom field values, and the scope it was
/// changed in (what the answer masks by).
#[derive(Debug, Clone)]
pub struct Edited {
    pub customer: Stored,
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub scope: domain::scope::DataScope,
}

/// `PATCH /customers/{id}` as one operation: the caller's scope, the custom
/// values checked (before anything else, as on create), [`update`], then the
/// values saved.
pub fn edit(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    id: i64,
    expected_version: Option<i64>,
    change: CustomerChange,
    custom: Option<&serde_json::Map<String, serde_json::Value>>,
    now: DateTime<Utc>,
) -> Result<Edited> {
    use domain::custom_fields::CustomEntity::Customer;
    let scope = by.scope(conn)?;
    let cells =
        crate::custom_fields::check(conn, Customer, custom, false)?.map_err(CustomerWriteError::CustomFields)?;
    let actor = Actor {
        user_id: by.user_id,
        scope: &scope,
    };
    let customer = update(conn, &actor, id, expected_version, change, now)?;
    crate::custom_fields::save(conn, Customer, id, &cells)?;
    let custom_fields = crate::custom_fields::values_of(conn, Customer, id)?;
    Ok(Edited {
        customer,
        custom_fields,
        scope,
    })
}
