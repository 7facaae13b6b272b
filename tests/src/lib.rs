//! `TestApp::spawn()` starts the real server on a random port over a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when
//! `CRM_TEST_BACKEND=postgres`), and small helpers call it over HTTP.

#![allow(clippy::unwrap_used)] // test support: a failed call should stop the test

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use diesel::{Connection, PgConnection, RunQueryDsl};
use pg::{pg_admin_url, pg_clone, pg_url_for};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const JWT_SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";
/// What a test server may send webhooks to: the tests' receivers listen on
/// loopback (`CRM_OUTBOUND_ALLOW`; a real install allows none).
pub const TEST_RECEIVERS: &str = "127.0.0.0/8,::1";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

pub mod child;
pub mod conform;
mod pg;
pub mod receiver;
pub mod seed;

pub fn backend_is_postgres() -> bool {
    std::env::var("CRM_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

#[derive(Clone)]
pub(crate) enum Store {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Store {
    /// A new empty database and its `DATABASE_URL`.
    pub(crate) fn fresh(postgres: bool) -> (Store, String) {
        let name = unique_name();
        if postgres {
            let db = pg_clone();
            let url = pg_url_for(&db);
            (Store::Postgres(db), url)
        } else {
            let path = std::env::temp_dir().join(format!("crm-test-{name}.db"));
            (Store::Sqlite(path.clone()), format!("sqlite://{}", path.display()))
        }
    }

    /// Its `DATABASE_URL`.
    pub(crate) fn url(&self) -> String {
        match self {
            Store::Postgres(db) => pg_url_for(db),
            Store::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }

    pub(crate) fn sql(&self, statement: &str) {
        match self {
            Store::Postgres(db) => {
                let mut c = PgConnection::establish(&pg_url_for(db)).unwrap();
                diesel::sql_query(statement).execute(&mut c).unwrap();
            }
            Store::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
                // wait for the server's own short writes (its timers) rather than fail at once
                diesel::connection::SimpleConnection::batch_execute(&mut c, "PRAGMA busy_timeout = 60000").unwrap();
                diesel::sql_query(statement).execute(&mut c).unwrap();
            }
        }
    }

    /// The one number a `SELECT COUNT(*) AS n ...` answers.
    pub(crate) fn count(&self, statement: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        match self {
            Store::Postgres(db) => {
                let mut c = PgConnection::establish(&pg_url_for(db)).unwrap();
                diesel::sql_query(statement).get_result::<N>(&mut c).unwrap().n
            }
            Store::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
                diesel::sql_query(statement).get_result::<N>(&mut c).unwrap().n
            }
        }
    }

    /// A copy of this PostgreSQL database as it is now, and its URL. Its
    /// connections must be closed: a copy waits up to 10 s for them to go.
    pub(crate) fn copy(&self) -> (Store, String) {
        let Store::Postgres(db) = self else {
            panic!("only a PostgreSQL database is copied");
        };
        let copy = format!("crm_test_{}", unique_name());
        let mut admin = PgConnection::establish(&pg_admin_url()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match diesel::sql_query(format!("CREATE DATABASE \"{copy}\" TEMPLATE \"{db}\"")).execute(&mut admin) {
                Ok(_) => break,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("cannot copy {db}: {e}"),
            }
        }
        let url = pg_url_for(&copy);
        (Store::Postgres(copy), url)
    }

    pub(crate) fn drop_database(&self) {
        match self {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Store::Postgres(db) => {
                if let Ok(mut c) = PgConnection::establish(&pg_admin_url()) {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).execute(&mut c);
                }
            }
        }
    }
}

/// A running server over its own database; stopped and dropped with the value.
/// Its HTTP helpers are those of [`Client`].
pub struct TestApp {
    pub client: Client,
    pub port: u16,
    handle: ServerHandle,
    store: Store,
    /// The database is dropped with the app (not for a server `beside` another).
    owns_store: bool,
    /// This test's own data directory (attachments), removed with the app.
    pub data_dir: std::path::PathBuf,
    /// The server's own pool for reports (`reports_pool`), dropped first.
    reports: Option<persistence::db::Db>,
}

impl std::ops::Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Calls one server over HTTP.
pub struct Client {
    pub base: String,
    agent: ureq::Agent,
}

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(|_| {})
    }

    /// Like `spawn`, after letting the test adjust the configuration.
    pub fn spawn_with(adjust: impl FnOnce(&mut api::Config)) -> TestApp {
        Self::spawn_on(backend_is_postgres(), adjust)
    }

    /// On PostgreSQL (`true`) or SQLite, whatever `CRM_TEST_BACKEND` says.
    pub fn spawn_on(postgres: bool, adjust: impl FnOnce(&mut api::Config)) -> TestApp {
        // server errors show in a failing test's output
        let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("error"))
            .is_test(true)
            .try_init();
        let (store, url) = Store::fresh(postgres);
        Self::serve(store, url, true, adjust)
    }

    /// A second server over this app's database, as a fresh `crm serve`
    /// would start on it (its own pool); the database stays when it stops.
    pub fn beside(&self, adjust: impl FnOnce(&mut api::Config)) -> TestApp {
        let url = self.store.url();
        Self::serve(self.store.clone(), url, false, adjust)
    }

    fn serve(store: Store, url: String, owns_store: bool, adjust: impl FnOnce(&mut api::Config)) -> TestApp {
        let data_dir = std::env::temp_dir().join(format!("crm-test-data-{}", unique_name()));
        let mut config = api::Config {
            data_dir: data_dir.clone(),
            bind: "127.0.0.1:0".into(),
            database_url: url,
            jwt_secret: Some(JWT_SECRET.into()),
            admin_email: ADMIN_EMAIL.into(),
            admin_password: Some(ADMIN_PASSWORD.into()),
            pool_size: Some(4),
            workers: Some(2),
            ..api::Config::default()
        };
        config.limits.outbound_allow = domain::outbound::Allow::parse(TEST_RECEIVERS).unwrap();
        adjust(&mut config);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match api::Application::build(config) {
                    Ok(app) => {
                        tx.send(Ok((app.port(), app.handle(), app.reports_db()))).unwrap();
                        let _ = app.run_until_stopped().await;
                    }
                    Err(e) => tx.send(Err(e)).unwrap(),
                }
            })
        });
        let (port, handle, reports) = rx
            .recv()
            .unwrap()
            .unwrap_or_else(|e| panic!("server did not start: {e}"));
        TestApp {
            client: Client::new(port),
            port,
            handle,
            store,
            owns_store,
            data_dir,
            reports: Some(reports),
        }
    }

    /// Stops the server and waits until it has (its pools closed, its timers
    /// gone), keeping the database: for a server started `beside` it next.
    pub fn stop(&mut self) {
        drop(self.reports.take());
        actix_web::rt::System::new().block_on(self.handle.stop(true));
    }

    /// The server's own pool for reports, to see how its connections plan.
    pub fn reports_pool(&self) -> &persistence::db::Db {
        self.reports.as_ref().expect("the pool lives as long as the app")
    }

    /// Runs SQL against this test's own database (to arrange what the API cannot).
    pub fn sql(&self, statement: &str) {
        self.store.sql(statement);
    }

    /// Runs `SELECT COUNT(*) AS n ...` against this test's own database.
    pub fn count(&self, statement: &str) -> i64 {
        self.store.count(statement)
    }

    /// Runs `f` on a connection to this test's database through persistence,
    /// so a test checks stored state with the code that stores it.
    pub fn db<T>(&self, f: impl FnOnce(&mut persistence::DbConn) -> T) -> T {
        let mut conn = persistence::Backend::from_url(&self.store.url())
            .unwrap()
            .connect()
            .unwrap();
        f(&mut conn)
    }

    /// Creates a user (password `password-of-<email>`) and signs them in.
    pub fn user(&self, admin_token: &str, email: &str, role: &str, department: Option<i64>) -> TestUser {
        let id = self.create_user(admin_token, email, role, department);
        TestUser {
            id,
            email: email.to_owned(),
            token: self.token(email, &password_of(email)),
        }
    }
}

/// A signed-in user of a test.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

/// A customer to create in a test: `CustomerBuilder::new("华为技术").owner(&rep).create(&app, &admin)`.
#[derive(Debug, Clone)]
pub struct CustomerBuilder {
    body: Value,
}

impl CustomerBuilder {
    pub fn new(name: &str) -> CustomerBuilder {
        CustomerBuilder {
            body: json!({"name": name}),
        }
    }

    pub fn owner(mut self, user: &TestUser) -> CustomerBuilder {
        self.body["owner_id"] = json!(user.id);
        self
    }

    /// Any other field of the create body.
    pub fn with(mut self, field: &str, value: Value) -> CustomerBuilder {
        self.body[field] = value;
        self
    }

    /// Creates it as `caller` (201 expected) and returns the answer, typed.
    pub fn create_dto(self, app: &TestApp, caller_token: &str) -> api::routes::customers::CreatedCustomer {
        app.post("/api/v1/customers")
            .bearer(caller_token)
            .json(&self.body)
            .expect(201)
            .dto()
    }

    /// Creates it as `caller` (201 expected) and returns the answer.
    pub fn create(self, app: &TestApp, caller_token: &str) -> Value {
        app.post("/api/v1/customers")
            .bearer(caller_token)
            .json(&self.body)
            .expect(201)
            .json()
    }
}

impl Client {
    pub fn new(port: u16) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .redirects(0)
            .build();
        Client {
            base: format!("http://127.0.0.1:{port}"),
            agent,
        }
    }

    pub fn req(&self, method: &str, path: &str) -> Req {
        Req {
            inner: self.agent.request(method, &format!("{}{path}", self.base)),
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.req("GET", path)
    }

    pub fn post(&self, path: &str) -> Req {
        self.req("POST", path)
    }

    pub fn patch(&self, path: &str) -> Req {
        self.req("PATCH", path)
    }

    pub fn delete(&self, path: &str) -> Req {
        self.req("DELETE", path)
    }

    /// Signs in and returns the whole token answer.
    pub fn login(&self, email: &str, password: &str) -> Value {
        self.post("/api/v1/auth/login")
            .json(&json!({"email": email, "password": password}))
            .expect(200)
            .json()
    }

    pub fn token(&self, email: &str, password: &str) -> String {
        self.login(email, password)["access_token"].as_str().unwrap().to_owned()
    }

    pub fn admin_token(&self) -> String {
        self.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    }

    pub fn create_department(&self, token: &str, name: &str, parent: Option<i64>) -> i64 {
        self.post("/api/v1/departments")
            .bearer(token)
            .json(&json!({"name": name, "parent_id": parent}))
            .expect(201)
            .json()["id"]
            .as_i64()
            .unwrap()
    }

    /// Creates a user whose password is `password-of-<email>`.
    pub fn create_user(&self, token: &str, email: &str, role: &str, department: Option<i64>) -> i64 {
        self.post("/api/v1/users")
            .bearer(token)
            .json(&json!({
                "email": email, "name": email, "password": password_of(email),
                "role": role, "department_id": department
            }))
            .expect(201)
            .json()["id"]
            .as_i64()
            .unwrap()
    }
}

pub fn password_of(email: &str) -> String {
    format!("password-of-{email}")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let stopped = self.handle.stop(false);
        drop(stopped);
        drop(self.reports.take());
        if self.owns_store {
            self.store.drop_database();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A request being built.
pub struct Req {
    inner: ureq::Request,
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.inner = self.inner.set(name, value);
        self
    }

    pub fn bearer(self, token: &str) -> Req {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    pub fn send(self) -> Res {
        Res::from(self.inner.call())
    }

    pub fn json(self, body: &Value) -> Res {
        Res::from(self.inner.send_json(body.clone()))
    }

    /// Like `send`, but a connection that ends (or times out) without an answer is an `Err`.
    pub fn try_send(self) -> Result<Res, String> {
        match self.inner.call() {
            Err(ureq::Error::Transport(t)) => Err(t.to_string()),
            other => Ok(Res::from(other)),
        }
    }

    /// Like `json`, but a connection that ends without an answer is an `Err`.
    pub fn try_json(self, body: &Value) -> Result<Res, String> {
        match self.inner.send_json(body.clone()) {
            Err(ureq::Error::Transport(t)) => Err(t.to_string()),
            other => Ok(Res::from(other)),
        }
    }

    /// The answer's status, headers and undecoded body bytes (e.g. gzip).
    pub fn send_bytes(self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let response = match self.inner.call() {
            Ok(res) => res,
            Err(ureq::Error::Status(_, res)) => res,
            Err(e) => panic!("transport error: {e}"),
        };
        let (status, headers) = status_and_headers(&response);
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body).unwrap();
        (status, headers, body)
    }

    /// Raw bytes with their content type (a file upload).
    pub fn bytes(self, content_type: &str, body: &[u8]) -> Res {
        Res::from(self.inner.set("Content-Type", content_type).send_bytes(body))
    }

    /// A raw body with its content type.
    pub fn body(self, content_type: &str, body: &str) -> Res {
        Res::from(self.inner.set("Content-Type", content_type).send_string(body))
    }
}

fn status_and_headers(response: &ureq::Response) -> (u16, Vec<(String, String)>) {
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_owned())))
        .collect();
    (response.status(), headers)
}

/// A finished response.
#[derive(Debug, Clone)]
pub struct Res {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl From<Result<ureq::Response, ureq::Error>> for Res {
    fn from(r: Result<ureq::Response, ureq::Error>) -> Res {
        let response = match r {
            Ok(res) => res,
            Err(ureq::Error::Status(_, res)) => res,
            Err(e) => panic!("transport error: {e}"),
        };
        let (status, headers) = status_and_headers(&response);
        let body = response.into_string().unwrap_or_default();
        Res { status, headers, body }
    }
}

impl Res {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Res {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self
    }

    /// The body read into one of the API's own answer types, so a test
    /// breaks at compile time when the answer's shape changes.
    #[track_caller]
    pub fn dto<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not the documented answer ({e}): {}", self.body))
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Asserts a problem+json body with this `code` and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not problem+json: {}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["code"], code, "unexpected problem: {p}");
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], format!("urn:crm:problem:{code}"));
        p
    }
}

/// Replaces the section of docs/benchmarks.md that benchmark `name` owns
/// (between `<!-- bench:name -->` and `<!-- /bench:name -->`), appending it
/// the first time, so each benchmark keeps its latest run and the hand-written
/// before/after notes around it stay.
pub fn write_bench_section(name: &str, body: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/benchmarks.md");
    let doc = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let (open, close) = (format!("<!-- bench:{name} -->"), format!("<!-- /bench:{name} -->"));
    let section = format!("{open}\n{}\n{close}", body.trim_end());
    let doc = match (doc.find(&open), doc.find(&close)) {
        (Some(a), Some(b)) if a < b => format!("{}{section}{}", &doc[..a], &doc[b + close.len()..]),
        _ => format!("{}\n\n{section}\n", doc.trim_end()),
    };
    std::fs::write(path, doc).unwrap();
}
