//! Keyset pagination: `limit`, an opaque `cursor` naming where the last page
//! ended in the chosen `sort`, and `next_cursor` in every list answer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::vocabulary::FieldCode;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorCode, FieldError};

/// A parsed `sort` parameter: a field from the resource's list and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: &'static str,
    pub descending: bool,
}

/// Reads `sort` (`name` or `-name`) against the fields a list allows; the first is the default.
pub fn parse_sort(raw: Option<&str>, allowed: &[&'static str]) -> Result<Sort, ApiError> {
    let default = allowed.first().copied().unwrap_or("id");
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Sort {
            field: default,
            descending: false,
        });
    };
    let (descending, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    allowed
        .iter()
        .find(|f| **f == name)
        .map(|f| Sort { field: f, descending })
        .ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidQuery, format!("cannot sort by `{name}`")).with_errors(vec![
                FieldError::new(
                    "sort",
                    FieldCode::UnknownValue,
                    format!("one of {} (prefix `-` for descending)", allowed.join(", ")),
                ),
            ])
        })
}

pub fn limit(requested: Option<i64>) -> Result<u32, ApiError> {
    domain::page::page_limit(requested).map_err(|e| {
        ApiError::bad_request(ErrorCode::InvalidQuery, e.to_string()).with_errors(vec![FieldError::new(
            "limit",
            FieldCode::Range,
            e.to_string(),
        )])
    })
}

/// A `before` cursor that is a record id: 1 or more (400 otherwise).
pub fn before_id(before: Option<i64>, what: &str) -> Result<Option<i64>, ApiError> {
    match before {
        Some(b) if b < 1 => Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("`before` is a {what} id (1 or more)"),
        )
        .with_errors(vec![FieldError::new("before", FieldCode::Range, "1 or more")])),
        other => Ok(other),
    }
}

/// An `after` id of a list read oldest first: positive.
pub fn after_id(after: Option<i64>, what: &str) -> Result<Option<i64>, ApiError> {
    match after {
        Some(a) if a < 1 => Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("`after` is a {what} id (1 or more)"),
        )
        .with_errors(vec![FieldError::new("after", FieldCode::Range, "1 or more")])),
        other => Ok(other),
    }
}

/// Where a page ended: the sort key's value and the id that breaks ties.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub key: Value,
    pub id: i64,
}

pub fn encode_cursor(sort: &Sort, key: Value, id: i64) -> String {
    let raw = json!([sort.field, sort.descending, key, id]);
    URL_SAFE_NO_PAD.encode(raw.to_string())
}

/// Decodes a cursor made for the same sort; any other string is a 400.
pub fn decode_cursor(cursor: Option<&str>, sort: &Sort) -> Result<Option<Position>, ApiError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            ErrorCode::InvalidCursor,
            "the cursor is not one this list gave out for this sort",
        )
        .with_errors(vec![FieldError::new(
            "cursor",
            FieldCode::Invalid,
            "pass `next_cursor` back unchanged, with the same sort",
        )])
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    match value.as_array().map(Vec::as_slice) {
        Some([Value::String(field), Value::Bool(desc), key, Value::Number(id)])
            if field == sort.field && *desc == sort.descending =>
        {
            let id = id.as_i64().ok_or_else(bad)?;
            Ok(Some(Position { key: key.clone(), id }))
        }
        _ => Err(bad()),
    }
}

impl Position {
    pub fn text(&self) -> Result<String, ApiError> {
        self.key.as_str().map(str::to_owned).ok_or_else(invalid)
    }

    pub fn time(&self) -> Result<chrono::NaiveDateTime, ApiError> {
        let text = self.key.as_str().ok_or_else(invalid)?;
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.naive_utc())
            .map_err(|_| invalid())
    }
}

fn invalid() -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidCursor, "the cursor is damaged")
}

/// Cuts one extra row off a page query (fetched as `limit + 1`) and makes the
/// next cursor from the last row kept.
pub fn finish<R>(
    mut rows: Vec<R>,
    limit: u32,
    sort: &Sort,
    key_of: impl Fn(&R) -> (Value, i64),
) -> (Vec<R>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let (key, id) = key_of(r);
            encode_cursor(sort, key, id)
        })
    } else {
        None
    };
    (rows, next)
}

/// A stored naive UTC time as the RFC 3339 text cursors carry.
pub fn time_key(t: chrono::NaiveDateTime) -> Value {
    Value::String(t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// Pages in id order (the lists without a `sort` parameter).
pub const BY_ID: Sort = Sort {
    field: "id",
    descending: false,
};

/// The page size and the last id of the previous page, for an id-ordered list.
pub fn by_id_start(limit: Option<i64>, cursor: Option<&str>) -> Result<(u32, Option<i64>), ApiError> {
    Ok((self::limit(limit)?, decode_cursor(cursor, &BY_ID)?.map(|p| p.id)))
}

/// Cuts an id-ordered page fetched as `limit + 1` and maps its rows.
pub fn by_id_page<R, T>(
    rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> i64,
    map: impl Fn(R) -> Result<T, ApiError>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let (rows, next) = finish(rows, limit, &BY_ID, |r| (id(r).into(), id(r)));
    Ok((rows.into_iter().map(map).collect::<Result<_, _>>()?, next))
}

/// One deleted record of a deleted-ids feed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeletedId {
    pub id: i64,
    pub deleted_at: chrono::DateTime<chrono::Utc>,
}

/// A page of a deleted-ids feed (oldest deletion first), for mobile sync.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeletedPage {
    pub data: Vec<DeletedId>,
    pub next_cursor: Option<String>,
}

const DELETED: Sort = Sort {
    field: "deleted_at",
    descending: false,
};

/// The page size and where the last page of a deleted-ids feed ended.
pub fn deleted_feed_start(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(u32, Option<(chrono::NaiveDateTime, i64)>), ApiError> {
    let after = match decode_cursor(cursor, &DELETED)? {
        Some(p) => Some((p.time()?, p.id)),
        None => None,
    };
    Ok((self::limit(limit)?, after))
}

/// A deleted-ids page from `(id, deleted_at)` rows fetched as `limit + 1`.
pub fn deleted_page(rows: Vec<(i64, chrono::NaiveDateTime)>, limit: u32) -> DeletedPage {
    let (rows, next_cursor) = finish(rows, limit, &DELETED, |(id, t)| (time_key(*t), *id));
    DeletedPage {
        data: rows
            .into_iter()
            .map(|(id, t)| DeletedId {
                id,
                deleted_at: t.and_utc(),
            })
            .collect(),
        next_cursor,
    }
}
