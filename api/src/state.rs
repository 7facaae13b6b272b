//! What every handler shares: the database pool, the token keys and the
//! settings that shape behaviour.

use persistence::{Db, DbConn};

use crate::error::ApiError;
use crate::security::JwtKeys;

#[derive(Debug, Clone)]
pub struct Limits {
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
    pub idempotency_ttl: chrono::Duration,
    /// How long a running request's claim on its `Idempotency-Key` lasts
    /// without renewal: after a crash, a retry waits at most this long.
    pub idempotency_lease: chrono::Duration,
    /// Time from assignment to first contact of a lead (24 hours by default).
    pub first_contact_sla: chrono::Duration,
    /// Web-form submissions accepted per client address per hour.
    pub form_submissions_per_hour: i64,
    /// Reassign overdue leads automatically every hour.
    pub reassign_overdue_leads: bool,
    /// Time a client has to send a request body once its headers arrived.
    pub body_timeout: std::time::Duration,
    /// Time a client has to send a request head (line and headers).
    pub head_timeout: std::time::Duration,
    /// Requests one client address may have in progress at once.
    pub requests_per_address: usize,
    /// Open connections the server keeps at most (all workers together).
    pub max_connections: usize,
    /// How often the sweeps run (once per period across all nodes).
    pub housekeeping_every: std::time::Duration,
    /// How often each node looks for due webhook deliveries.
    pub webhook_poll: std::time::Duration,
    /// How a failing webhook delivery is retried.
    pub webhook_retry: domain::events::RetryPolicy,
    /// How often due tasks and overdue payments are announced (once per period across all nodes).
    pub announce_every: std::time::Duration,
    /// Hosts and networks webhooks and robots may reach although they are
    /// loopback, private or link-local (`CRM_OUTBOUND_ALLOW`; none by default).
    pub outbound_allow: domain::outbound::Allow,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            access_ttl: chrono::Duration::minutes(15),
            refresh_ttl: chrono::Duration::days(30),
            idempotency_ttl: chrono::Duration::hours(24),
            idempotency_lease: chrono::Duration::seconds(30),
            first_contact_sla: domain::leads::DEFAULT_FIRST_CONTACT_SLA,
            form_submissions_per_hour: 30,
            reassign_overdue_leads: false,
            body_timeout: std::time::Duration::from_secs(30),
            head_timeout: std::time::Duration::from_secs(5),
            requests_per_address: 64,
            max_connections: 4_096,
            housekeeping_every: std::time::Duration::from_secs(3600),
            webhook_poll: std::time::Duration::from_secs(1),
            webhook_retry: domain::events::RetryPolicy::default(),
            announce_every: std::time::Duration::from_secs(60),
            outbound_allow: domain::outbound::Allow::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where reports read: a read replica (`CRM_READ_DATABASE_URL`) or `db`.
    pub reports: Db,
    pub jwt: JwtKeys,
    pub limits: Limits,
    /// Users' current role, department and sessions, briefly cached.
    pub auth_cache: std::sync::Arc<AuthCache>,
    /// Attachment bytes.
    pub blobs: std::sync::Arc<dyn crate::storage::BlobStore>,
}

/// What a handler runs on a pooled connection, off the async workers.
pub trait Job<T>: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static {}
impl<T, F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static> Job<T> for F {}

impl AppState {
    /// Runs a read on the primary.
    pub async fn read<T: Send + 'static>(&self, f: impl Job<T>) -> Result<T, ApiError> {
        let db = self.db.clone();
        actix_web::web::block(move || db.run(f)).await?
    }

    /// Runs a report's read on the read replica when there is one: figures
    /// a moment behind the primary, its load off the primary.
    pub async fn report<T: Send + 'static>(&self, f: impl Job<T>) -> Result<T, ApiError> {
        let db = self.reports.clone();
        actix_web::web::block(move || db.run_report(f)).await?
    }

    /// `report`, with a second connection when one is free (see
    /// [`Db::run_report_split`]).
    pub async fn report_split<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn, Option<&mut DbConn>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.reports.clone();
        actix_web::web::block(move || db.run_report_split(f)).await?
    }

    /// Runs an operation that opens its own transactions on the primary
    /// (e.g. a write, then a read after its commit).
    pub async fn operate<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = self.db.clone();
        actix_web::web::block(move || f(&db)).await?
    }

    /// Runs a business operation in one write transaction; an error of any
    /// kind rolls it back.
    pub async fn write<T: Send + 'static>(&self, f: impl Job<T>) -> Result<T, ApiError> {
        let db = self.db.clone();
        actix_web::web::block(move || db.write(f)).await?
    }
}

/// Users' current [`persistence::users::AuthState`], each kept for
/// [`AUTH_CACHE_TTL`] so a burst of requests costs one read. A change made on
/// this node is forgotten at once; other nodes see it within the TTL.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, persistence::users::AuthState)>>,
}

pub const AUTH_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);
/// Beyond this many users the cache starts afresh (it only saves reads).
const AUTH_CACHE_MAX: usize = 10_000;

impl AuthCache {
    pub(crate) fn get(&self, id: i64) -> Option<persistence::users::AuthState> {
        let entries = self.entries.lock().ok()?;
        let (at, s) = entries.get(&id)?;
        (at.elapsed() < AUTH_CACHE_TTL).then(|| s.clone())
    }

    pub(crate) fn put(&self, id: i64, s: persistence::users::AuthState) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= AUTH_CACHE_MAX {
                entries.clear();
            }
            entries.insert(id, (std::time::Instant::now(), s));
        }
    }

    /// Drops what is known of a user, after a change to their role,
    /// department, activity or sessions.
    pub fn forget(&self, id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&id);
        }
    }
}
