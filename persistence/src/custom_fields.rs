//! Custom field definitions and values (see `domain::custom_fields`), and the
//! picklist kinds an admin may add.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::custom_fields::{Cell, CustomEntity, FieldDef, FieldKind, Refusal};

use crate::schema::{custom_field_defs as d, custom_values as v, dictionary_kinds as k};
use crate::{DbConn, RepoError, audit, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DefRow {
    pub id: i64,
    pub entity: String,
    pub field_key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub options: String,
    pub position: i32,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

impl DefRow {
    pub fn options(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    /// The definition as the domain rules take it.
    pub fn def(&self) -> Result<FieldDef, RepoError> {
        Ok(FieldDef {
            id: self.id,
            key: self.field_key.clone(),
            kind: self
                .kind
                .parse::<FieldKind>()
                .map_err(|e| RepoError::Corrupt(format!("custom field {}: {e}", self.id)))?,
            required: self.required,
            options: self.options(),
            active: self.active,
        })
    }
}

/// A field to define.
#[derive(Debug, Clone)]
pub struct NewDef {
    pub entity: CustomEntity,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<String>,
    pub position: i32,
}

/// What may change of a definition (not its key or type).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = d)]
pub struct DefChange {
    pub label: Option<String>,
    pub required: Option<bool>,
    pub options: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

pub fn list_defs(conn: &mut DbConn, entity: CustomEntity, include_inactive: bool) -> Result<Vec<DefRow>, RepoError> {
    let mut q = d::table
        .filter(d::entity.eq(entity.as_str()))
        .select(DefRow::as_select())
        .into_boxed::<crate::conn::MultiBackend>();
    if !include_inactive {
        q = q.filter(d::active.eq(true));
    }
    Ok(q.order((d::position.asc(), d::id.asc())).load(conn)?)
}

/// The definitions of a kind of record, for checking and showing values.
pub fn defs(conn: &mut DbConn, entity: CustomEntity) -> Result<Vec<FieldDef>, RepoError> {
    list_defs(conn, entity, true)?.iter().map(DefRow::def).collect()
}

pub fn find_def(conn: &mut DbConn, id: i64) -> Result<Option<DefRow>, RepoError> {
    Ok(d::table.find(id).select(DefRow::as_select()).first(conn).optional()?)
}

/// Defines a field (a taken key is `RepoError::Conflict`), audited.
pub fn create_def(conn: &mut DbConn, new: &NewDef, actor: i64, now: DateTime<Utc>) -> Result<DefRow, RepoError> {
    let options = serde_json::to_string(&new.options).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    let id: i64 = conn.transaction(|c| {
        diesel::insert_into(d::table)
            .values((
                d::entity.eq(new.entity.as_str()),
                d::field_key.eq(&new.key),
                d::label.eq(&new.label),
                d::kind.eq(new.kind.as_str()),
                d::required.eq(new.required),
                d::options.eq(&options),
                d::position.eq(new.position),
                d::active.eq(true),
                d::version.eq(1_i64),
                d::created_at.eq(naive(now)),
            ))
            .returning(d::id)
            .get_result(c)
    })?;
    let detail = serde_json::json!({"entity": new.entity.as_str(), "key": new.key, "kind": new.kind.as_str()});
    audit::record(
        conn,
        "custom_field",
        id,
        "created",
        Some(actor),
        &detail.to_string(),
        now,
    )?;
    find_def(conn, id)?.ok_or(RepoError::NotFound)
}

/// Changes a definition, audited.
pub fn change_def(
    conn: &mut DbConn,
    id: i64,
    change: &DefChange,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<DefRow, RepoError> {
    let n = diesel::update(d::table.find(id))
        .set((change, d::version.eq(d::version + 1)))
        .execute(conn)?;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    audit::record(conn, "custom_field", id, "updated", Some(actor), "{}", now)?;
    find_def(conn, id)?.ok_or(RepoError::NotFound)
}

/// Replaces the values of the given fields of a record (an empty list clears).
pub fn save(
    conn: &mut DbConn,
    entity: CustomEntity,
    record_id: i64,
    changes: &BTreeMap<i64, Vec<Cell>>,
) -> Result<(), RepoError> {
    if changes.is_empty() {
        return Ok(());
    }
    let fields: Vec<i64> = changes.keys().copied().collect();
    diesel::delete(
        v::table
            .filter(v::entity.eq(entity.as_str()))
            .filter(v::record_id.eq(record_id))
            .filter(v::field_id.eq_any(&fields)),
    )
    .execute(conn)?;
    let rows: Vec<_> = changes
        .values()
        .flatten()
        .map(|c| {
            (
                v::entity.eq(entity.as_str()),
                v::record_id.eq(record_id),
                v::field_id.eq(c.field_id),
                v::text_value.eq(c.text.clone()),
                v::number_value.eq(c.number),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConn::Pg(c) => diesel::insert_into(v::table).values(&rows).execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(v::table).values(&rows).execute(c)?,
    };
    Ok(())
}

/// The cells to [`save`] by field id, or the refusals naming each bad field.
pub type Checked = Result<BTreeMap<i64, Vec<Cell>>, Vec<Refusal>>;

/// Checks a record's custom values (`input`; absent: none given) against
/// the entity's active definitions: the cells to [`save`], or a refusal
/// naming each bad field. On create the required fields must be there.
pub fn check(
    conn: &mut DbConn,
    entity: CustomEntity,
    input: Option<&serde_json::Map<String, serde_json::Value>>,
    creating: bool,
) -> Result<Checked, RepoError> {
    let defs = defs(conn, entity)?;
    let empty = serde_json::Map::new();
    Ok(domain::custom_fields::check_values(
        &defs,
        input.unwrap_or(&empty),
        creating,
    ))
}

/// The custom values of records as JSON objects by field key, by record id.
pub fn values(
    conn: &mut DbConn,
    entity: CustomEntity,
    ids: &[i64],
) -> Result<HashMap<i64, serde_json::Map<String, serde_json::Value>>, RepoError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let defs = defs(conn, entity)?;
    if defs.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(load(conn, entity, ids)?
        .into_iter()
        .map(|(id, c)| (id, domain::custom_fields::to_json(&defs, &c)))
        .collect())
}

/// The custom values of one record.
pub fn values_of(
    conn: &mut DbConn,
    entity: CustomEntity,
    id: i64,
) -> Result<serde_json::Map<String, serde_json::Value>, RepoError> {
    Ok(values(conn, entity, &[id])?.remove(&id).unwrap_or_default())
}

/// The stored cells of records, by record id.
pub fn load(conn: &mut DbConn, entity: CustomEntity, ids: &[i64]) -> Result<HashMap<i64, Vec<Cell>>, RepoError> {
    let mut out: HashMap<i64, Vec<Cell>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let among = crate::among::among(v::record_id, ids);
    let rows: Vec<(i64, i64, Option<String>, Option<f64>)> = crate::conn::direct!(conn, |c| v::table
        .filter(v::entity.eq(entity.as_str()))
        .filter(among)
        .order(v::id.asc())
        .select((v::record_id, v::field_id, v::text_value, v::number_value))
        .load(c))?;
    for (record, field_id, text, number) in rows {
        out.entry(record).or_default().push(Cell { field_id, text, number });
    }
    Ok(out)
}

/// Narrows a boxed list query to records whose custom field matches:
/// `custom_filter!(q, customers::id, CustomEntity::Customer, &(field_id, filter))`.
/// (A macro: diesel's multi-backend boxed queries take plain subqueries only.)
#[macro_export]
macro_rules! custom_filter {
    ($q:expr, $id:expr, $entity:expr, $custom:expr) => {{
        use domain::custom_fields::Filter;
        use $crate::schema::custom_values as cv;
        let (field, filter): &(i64, Filter) = $custom;
        let base = cv::table
            .filter(cv::entity.eq($entity.as_str()))
            .filter(cv::field_id.eq(*field));
        match filter.clone() {
            Filter::TextIs(t) => $q.filter($id.eq_any(base.filter(cv::text_value.eq(t)).select(cv::record_id))),
            Filter::NumberIs(n) => $q.filter($id.eq_any(base.filter(cv::number_value.eq(n)).select(cv::record_id))),
            Filter::TextRange(from, to) => $q.filter(
                $id.eq_any(
                    base.filter(cv::text_value.ge(from.unwrap_or_else(|| "0000-01-01".to_owned())))
                        .filter(cv::text_value.le(to.unwrap_or_else(|| "9999-12-31".to_owned())))
                        .select(cv::record_id),
                ),
            ),
            Filter::NumberRange(from, to) => $q.filter(
                $id.eq_any(
                    base.filter(cv::number_value.ge(from.unwrap_or(f64::MIN)))
                        .filter(cv::number_value.le(to.unwrap_or(f64::MAX)))
                        .select(cv::record_id),
                ),
            ),
        }
    }};
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = k)]
pub struct KindRow {
    pub kind: String,
    pub label_zh: String,
    pub label_en: String,
    pub builtin: bool,
}

pub fn kinds(conn: &mut DbConn) -> Result<Vec<KindRow>, RepoError> {
    Ok(k::table
        .order((k::builtin.desc(), k::kind.asc()))
        .select(KindRow::as_select())
        .load(conn)?)
}

pub fn kind_exists(conn: &mut DbConn, kind: &str) -> Result<bool, RepoError> {
    Ok(k::table.find(kind).count().get_result::<i64>(conn)? > 0)
}

/// Adds a picklist kind (a taken name is `RepoError::Conflict`), audited.
pub fn add_kind(conn: &mut DbConn, row: &KindRow, actor: i64, now: DateTime<Utc>) -> Result<(), RepoError> {
    conn.transaction(|c| {
        diesel::insert_into(k::table)
            .values((
                k::kind.eq(&row.kind),
                k::label_zh.eq(&row.label_zh),
                k::label_en.eq(&row.label_en),
                k::builtin.eq(false),
            ))
            .execute(c)
    })?;
    let detail = serde_json::json!({"kind": row.kind});
    audit::record(
        conn,
        "dictionary_kind",
        0,
        "created",
        Some(actor),
        &detail.to_string(),
        now,
    )
}
