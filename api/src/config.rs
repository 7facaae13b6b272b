//! Configuration from the environment, read once in `main` and passed down.

use crate::state::Limits;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/crm.db";
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@example.com";
pub const DEFAULT_DATA_DIR: &str = "data";

/// Configuration; its `Debug` hides the JWT secret, the admin password and
/// the database URL's password, so a logged config leaks none of them.
#[derive(Clone)]
pub struct Config {
    /// `CRM_BIND`: address and port to listen on.
    pub bind: String,
    /// `DATABASE_URL`: `sqlite://<file>` (default `sqlite://data/crm.db`) or `postgres://…`.
    pub database_url: String,
    /// `CRM_READ_DATABASE_URL`: a PostgreSQL read replica the reports read from.
    pub read_database_url: Option<String>,
    /// `CRM_JWT_SECRET`: at least 32 bytes; else generated once and kept in the database.
    pub jwt_secret: Option<String>,
    /// `CRM_ADMIN_EMAIL`: the admin created on first start.
    pub admin_email: String,
    /// `CRM_ADMIN_PASSWORD`: that admin's password; else one is generated and printed once.
    pub admin_password: Option<String>,
    /// `CRM_DB_POOL`: connections in the pool (default 8 for SQLite; for
    /// PostgreSQL 4 per core, 4 to 32: `startup::default_pg_pool`).
    pub pool_size: Option<u32>,
    /// `CRM_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `CRM_MAX_BODY_BYTES`: largest JSON body (default 256 KiB); lead imports take up to 16 MiB.
    pub max_body_bytes: usize,
    /// `CRM_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::client::TrustedProxies,
    /// `CRM_CORS_ORIGINS`: browser origins allowed to call the API (comma-separated; none by default).
    pub cors_origins: crate::edge::CorsOrigins,
    /// `CRM_DATA_DIR`: where files are kept (attachments under `attachments/`); default `data`.
    pub data_dir: std::path::PathBuf,
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: DEFAULT_BIND.into(),
            database_url: DEFAULT_DATABASE_URL.into(),
            read_database_url: None,
            jwt_secret: None,
            admin_email: DEFAULT_ADMIN_EMAIL.into(),
            admin_password: None,
            pool_size: None,
            workers: None,
            max_body_bytes: crate::extract::DEFAULT_BODY_LIMIT,
            trusted_proxies: Default::default(),
            cors_origins: Default::default(),
            data_dir: DEFAULT_DATA_DIR.into(),
            limits: Limits::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database_url", &persistence::db::redact(&self.database_url))
            .field(
                "read_database_url",
                &self.read_database_url.as_deref().map(persistence::db::redact),
            )
            .field("jwt_secret", &hidden(&self.jwt_secret))
            .field("admin_email", &self.admin_email)
            .field("admin_password", &hidden(&self.admin_password))
            .field("pool_size", &self.pool_size)
            .field("workers", &self.workers)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cors_origins", &self.cors_origins)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Config {
    /// Reads the variables above; a malformed number is an error naming the variable.
    pub fn from_env() -> Result<Config, String> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        fn number<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<Option<T>, String> {
            value
                .map(|v| {
                    v.trim()
                        .parse::<T>()
                        .map_err(|_| format!("{name}=`{v}` is not a number"))
                })
                .transpose()
        }
        let d = Config::default();
        Ok(Config {
            bind: get("CRM_BIND").unwrap_or(d.bind),
            database_url: get("DATABASE_URL").unwrap_or(d.database_url),
            read_database_url: get("CRM_READ_DATABASE_URL"),
            jwt_secret: get("CRM_JWT_SECRET"),
            admin_email: get("CRM_ADMIN_EMAIL").unwrap_or(d.admin_email),
            admin_password: get("CRM_ADMIN_PASSWORD"),
            pool_size: number("CRM_DB_POOL", get("CRM_DB_POOL"))?,
            workers: number("CRM_WORKERS", get("CRM_WORKERS"))?,
            max_body_bytes: number("CRM_MAX_BODY_BYTES", get("CRM_MAX_BODY_BYTES"))?.unwrap_or(d.max_body_bytes),
            trusted_proxies: crate::client::TrustedProxies::parse(&get("CRM_TRUSTED_PROXIES").unwrap_or_default())?,
            cors_origins: crate::edge::CorsOrigins::parse(&get("CRM_CORS_ORIGINS").unwrap_or_default())?,
            data_dir: get("CRM_DATA_DIR").map_or(d.data_dir, Into::into),
            limits: crate::state::Limits {
                first_contact_sla: number::<i64>("CRM_FIRST_CONTACT_HOURS", get("CRM_FIRST_CONTACT_HOURS"))?
                    .map_or(d.limits.first_contact_sla, chrono::Duration::hours),
                idempotency_lease: number::<i64>("CRM_IDEMPOTENCY_LEASE_SECS", get("CRM_IDEMPOTENCY_LEASE_SECS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.idempotency_lease, chrono::Duration::seconds),
                body_timeout: number::<u64>("CRM_BODY_TIMEOUT_SECS", get("CRM_BODY_TIMEOUT_SECS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.body_timeout, std::time::Duration::from_secs),
                head_timeout: number::<u64>("CRM_HEAD_TIMEOUT_SECS", get("CRM_HEAD_TIMEOUT_SECS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.head_timeout, std::time::Duration::from_secs),
                requests_per_address: number::<usize>(
                    "CRM_MAX_REQUESTS_PER_ADDRESS",
                    get("CRM_MAX_REQUESTS_PER_ADDRESS"),
                )?
                .filter(|n| *n > 0)
                .unwrap_or(d.limits.requests_per_address),
                max_connections: number::<usize>("CRM_MAX_CONNECTIONS", get("CRM_MAX_CONNECTIONS"))?
                    .filter(|n| *n > 0)
                    .unwrap_or(d.limits.max_connections),
                housekeeping_every: number::<u64>("CRM_HOUSEKEEPING_SECS", get("CRM_HOUSEKEEPING_SECS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.housekeeping_every, std::time::Duration::from_secs),
                webhook_poll: number::<u64>("CRM_WEBHOOK_POLL_MS", get("CRM_WEBHOOK_POLL_MS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.webhook_poll, std::time::Duration::from_millis),
                announce_every: number::<u64>("CRM_ANNOUNCE_SECS", get("CRM_ANNOUNCE_SECS"))?
                    .filter(|s| *s > 0)
                    .map_or(d.limits.announce_every, std::time::Duration::from_secs),
                reassign_overdue_leads: get("CRM_REASSIGN_OVERDUE_LEADS").is_some_and(|v| v == "true" || v == "1"),
                outbound_allow: domain::outbound::Allow::parse(&get("CRM_OUTBOUND_ALLOW").unwrap_or_default())
                    .map_err(|e| format!("CRM_OUTBOUND_ALLOW: {e}"))?,
                ..d.limits
            },
        })
    }
}
