//! Streamed exports: a filtered list walked to its end, page by page, written
//! as CSV (UTF-8 with a BOM, so spreadsheet software reads Chinese) or NDJSON
//! while it is read, so memory stays flat whatever the size. The rows are
//! exactly the list's rows (same filters, scope and masking); CSV columns are
//! the documented fields of the list's record (nested objects dotted, e.g.
//! `owner.name`, `amount.amount`; lists joined by `;`). Every export, finished
//! or cut off, is recorded in the audit log with who exported how many rows.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use domain::guard::Counted;

use crate::error::ApiError;
use crate::state::AppState;

/// Rows read per database call.
pub const CHUNK: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// From `Accept`: NDJSON when asked for, else CSV.
    pub fn of(req: &HttpRequest) -> Format {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.contains("application/x-ndjson") || accept.contains("application/jsonl") {
            Format::Ndjson
        } else {
            Format::Csv
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// One page of a list: its rows as JSON and the cursor of the next page.
pub type Page = (Vec<Value>, Option<String>);
pub type PageFuture = Pin<Box<dyn Future<Output = Result<Page, ApiError>>>>;

/// A page's rows as JSON values.
pub fn rows<T: serde::Serialize>(data: Vec<T>) -> Result<Vec<Value>, ApiError> {
    data.into_iter()
        .map(|d| serde_json::to_value(d).map_err(ApiError::internal))
        .collect()
}

/// What is exported: the list's name, its record's schema in the OpenAPI
/// document, who asks, and how to read the page after a cursor.
pub struct Export<F> {
    pub resource: &'static str,
    pub schema: &'static str,
    pub user_id: i64,
    pub filters: String,
    /// The record's custom field columns (`custom_fields.<key>`), in place of `custom_fields`.
    pub custom_columns: Vec<String>,
    /// Whose daily cap on exported rows applies (`None`: no one's).
    pub capped: Option<crate::caller::AuthUser>,
    pub next: F,
}

struct Walk<F> {
    export: Export<F>,
    state: web::Data<AppState>,
    format: Format,
    columns: Vec<String>,
    /// The first page, read before answering so bad filters get their 4xx.
    first: Option<Page>,
    /// The user and their cap on exported rows today.
    cap: Option<(crate::caller::AuthUser, u32)>,
    cursor: Option<String>,
    started: bool,
    done: bool,
    /// The cap cut the export: end the transfer with an error.
    cut: bool,
    recorded: bool,
    rows: u64,
}

/// The streamed answer; a filter the list refuses is refused here, before
/// anything is sent.
pub async fn respond<F>(
    state: web::Data<AppState>,
    req: &HttpRequest,
    mut export: Export<F>,
) -> Result<HttpResponse, ApiError>
where
    F: FnMut(Option<String>) -> PageFuture + 'static,
{
    let format = Format::of(req);
    let cap = match export.capped {
        None => None,
        Some(user) => state
            .read(move |conn| crate::caps::open(conn, &user, Counted::ExportRow, persistence::now_utc()))
            .await?
            .map(|cap| (user, cap)),
    };
    let first = (export.next)(None).await?;
    let filename = format!(
        "{}-{}.{}",
        export.resource,
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    let document = req.app_data::<crate::shape::Document>().map(|d| d.0.clone());
    let mut columns = document.map_or_else(Vec::new, |doc| columns_of(&doc, export.schema));
    if let Some(at) = columns.iter().position(|c| c == "custom_fields") {
        columns.splice(at..=at, export.custom_columns.iter().cloned());
    }
    let walk = Walk {
        export,
        state,
        format,
        columns,
        first: Some(first),
        cap,
        cursor: None,
        started: false,
        done: false,
        cut: false,
        recorded: false,
        rows: 0,
    };
    let stream = futures_util::stream::unfold(walk, |mut w| async move {
        if w.done {
            if w.cut {
                w.cut = false;
                let e = ApiError::too_many(
                    3600,
                    "today's cap on exported rows cut this export (export_rows_per_day)",
                );
                return Some((Err(actix_web::Error::from(e)), w));
            }
            return None;
        }
        let mut out = Vec::new();
        if !w.started {
            w.started = true;
            if w.format == Format::Csv {
                out.extend_from_slice("\u{feff}".as_bytes());
                csv_line(&mut out, w.columns.iter().map(String::as_str));
            }
        }
        let page = match w.first.take() {
            Some(first) => Ok(first),
            None => (w.export.next)(w.cursor.take()).await,
        };
        let (mut data, mut next) = match page {
            Ok(p) => p,
            Err(e) => {
                w.done = true;
                record(&mut w, false).await;
                return Some((Err(actix_web::Error::from(e)), w));
            }
        };
        if let Some((user, cap)) = w.cap {
            let wanted = data.len() as u64;
            let allowed = w
                .state
                .write(move |conn| {
                    crate::caps::take_up_to(conn, &user, Counted::ExportRow, cap, wanted, persistence::now_utc())
                })
                .await
                .unwrap_or(0);
            if allowed < wanted {
                // the cap cuts the export: what fits is sent, then the
                // transfer fails, so no client takes a short file for whole
                data.truncate(usize::try_from(allowed).unwrap_or(0));
                next = None;
                w.cut = true;
            }
        }
        for row in &data {
            match w.format {
                Format::Ndjson => {
                    out.extend_from_slice(row.to_string().as_bytes());
                    out.push(b'\n');
                }
                Format::Csv => {
                    let cells: Vec<String> = w.columns.iter().map(|c| cell(row, c)).collect();
                    csv_line(&mut out, cells.iter().map(String::as_str));
                }
            }
        }
        w.rows += data.len() as u64;
        match next {
            Some(c) => w.cursor = Some(c),
            None => {
                w.done = true;
                let complete = !w.cut;
                record(&mut w, complete).await;
            }
        }
        Some((Ok(Bytes::from(out)), w))
    });
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(stream))
}

/// A list query an export walks: it takes the cursor of the next page and
/// the export's page size.
pub trait Walked: Clone + 'static {
    fn at(&mut self, cursor: Option<String>, limit: i64);
}

/// A list page: its rows and the next cursor.
pub trait Paged {
    fn into_page(self) -> Result<Page, ApiError>;
}

/// Reads pages of a list for [`respond`]: the first at the query's own
/// cursor, then each after the cursor given.
pub fn pages<Q, W, P, Fut>(
    state: web::Data<AppState>,
    who: W,
    query: Q,
    page: fn(web::Data<AppState>, W, Q) -> Fut,
) -> impl FnMut(Option<String>) -> PageFuture + 'static
where
    Q: Walked,
    W: Clone + 'static,
    P: Paged,
    Fut: Future<Output = Result<P, ApiError>> + 'static,
{
    move |cursor| {
        let mut q = query.clone();
        q.at(cursor, CHUNK);
        let (state, who) = (state.clone(), who.clone());
        Box::pin(async move { page(state, who, q).await?.into_page() })
    }
}

impl<F> Walk<F> {
    /// The audit entry of this export: `export` by the user, with what and how many.
    fn audit(&self, complete: bool) -> impl FnOnce(&mut persistence::DbConn) -> Result<(), ApiError> + Send + 'static {
        let user = self.export.user_id;
        let detail = serde_json::json!({
            "resource": self.export.resource,
            "format": self.format.extension(),
            "rows": self.rows,
            "complete": complete,
            "filters": self.export.filters,
        })
        .to_string();
        move |conn| {
            Ok(persistence::audit::record(
                conn,
                "export",
                user,
                "exported",
                Some(user),
                &detail,
                persistence::now_utc(),
            )?)
        }
    }
}

/// Records the walk's end (or that it was cut off) once.
async fn record<F>(w: &mut Walk<F>, complete: bool) {
    w.recorded = true;
    if let Err(e) = w.state.write(w.audit(complete)).await {
        log::error!("export audit not recorded: {e}");
    }
}

impl<F> Drop for Walk<F> {
    /// A client that hangs up mid-export still leaves its audit entry.
    fn drop(&mut self) {
        if self.recorded {
            return;
        }
        let (db, audit) = (self.state.db.clone(), self.audit(false));
        std::thread::spawn(move || {
            if let Err(e) = db.write(audit) {
                log::error!("export audit not recorded: {e}");
            }
        });
    }
}

pub fn csv_line<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a str>) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // a cell a spreadsheet would run as a formula is prefixed with '
        let risky = c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err();
        let quote = risky || c.contains([',', '"', '\n', '\r']);
        if quote {
            out.push(b'"');
            if risky {
                out.push(b'\'');
            }
            out.extend_from_slice(c.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(c.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// The text of a dotted column in a row.
pub fn cell(row: &Value, column: &str) -> String {
    let mut v = row;
    for part in column.split('.') {
        match v.get(part) {
            Some(next) => v = next,
            None => return String::new(),
        }
    }
    text(v)
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(text).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

/// The CSV columns of a record: the properties of its schema in the served
/// OpenAPI document `doc` (id first), nested objects flattened one level deep
/// with dots.
pub fn columns_of(doc: &Value, schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = doc["components"]["schemas"].get(schema) {
        flatten(doc, s, "", 0, &mut out);
    }
    // the id first, then the fields in the document's (alphabetical) order
    if let Some(at) = out.iter().position(|c| c == "id") {
        let id = out.remove(at);
        out.insert(0, id);
    }
    out
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    let reference = s
        .get("$ref")
        .or_else(|| {
            ["oneOf", "anyOf", "allOf"]
                .iter()
                .filter_map(|k| s.get(*k)?.as_array())
                .flatten()
                .find_map(|alt| alt.get("$ref"))
        })
        .and_then(Value::as_str);
    match reference.and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &doc["components"]["schemas"][name],
        None => s,
    }
}

fn flatten(doc: &Value, schema: &Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        let path = format!("{prefix}{name}");
        let target = resolve(doc, prop);
        if depth == 0 && target.get("properties").is_some() {
            flatten(doc, target, &format!("{path}."), depth + 1, out);
        } else {
            out.push(path);
        }
    }
}
