//! Building and running the server: open and migrate the database, settle the
//! JWT secret, create the first admin, then serve the routes.

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Logger, from_fn};
use actix_web::{HttpResponse, web};
use domain::org::{Role, check_password_policy, normalize_login_email};
use persistence::{Backend, Db, settings, users};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::extract::BodyLimit;
use crate::middleware::{fallback, idempotency, problem_guard};
use crate::route_table::RouteTable;
use crate::security::{JwtKeys, hash_password, random_hex};
use crate::state::AppState;

/// `GET /openapi.json`: the document's text, shared by every worker.
fn document_handler(served: web::Bytes) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone + 'static {
    move || std::future::ready(HttpResponse::Ok().content_type("application/json").body(served.clone()))
}

/// Opens (creating and migrating) the database named by the configuration.
pub fn open_database(config: &Config) -> Result<Db, String> {
    let backend = Backend::from_url(&config.database_url)?;
    let default_pool = match backend {
        Backend::Postgres { .. } => default_pg_pool(std::thread::available_parallelism().map_or(1, usize::from)),
        Backend::Sqlite { .. } => 8,
    };
    Db::open(backend, config.pool_size.unwrap_or(default_pool))
}

/// PostgreSQL connections by default: four per core, 4 to 32. More
/// connections than the cores can keep busy only queue inside PostgreSQL
/// (on the 2-core machine 8 served the load benchmark as well as 16 did;
/// docs/benchmarks.md).
pub fn default_pg_pool(cores: usize) -> u32 {
    u32::try_from(cores.saturating_mul(4)).unwrap_or(u32::MAX).clamp(4, 32)
}

/// The database reports read from: the replica `CRM_READ_DATABASE_URL`
/// names (PostgreSQL beside a PostgreSQL primary), else the primary.
pub fn open_reports_database(config: &Config, primary: &Db) -> Result<Db, String> {
    let Some(url) = &config.read_database_url else {
        return Ok(primary.clone());
    };
    if !matches!(primary.backend(), Backend::Postgres { .. }) {
        return Err("CRM_READ_DATABASE_URL: read replicas are for a PostgreSQL DATABASE_URL".into());
    }
    let backend = Backend::from_url(url).map_err(|e| format!("CRM_READ_DATABASE_URL: {e}"))?;
    Db::open_replica(backend, primary.pool_size()).map_err(|e| format!("CRM_READ_DATABASE_URL: {e}"))
}

fn jwt_keys(config: &Config, db: &Db) -> Result<JwtKeys, String> {
    if let Some(secret) = &config.jwt_secret {
        return JwtKeys::new(secret.as_bytes()).map_err(|e| format!("CRM_JWT_SECRET: {e}"));
    }
    let fresh = random_hex(32)?;
    let stored = db
        .run(|conn| settings::get_or_insert(conn, "jwt_secret", &fresh))
        .map_err(|e| format!("cannot keep the generated JWT secret: {e}"))?;
    JwtKeys::new(stored.as_bytes())
}

/// Creates the first admin when there are no users. Prints a generated
/// password once; a configured one is never printed.
fn bootstrap_admin(config: &Config, db: &Db) -> Result<(), String> {
    let email = normalize_login_email(&config.admin_email).map_err(|e| format!("CRM_ADMIN_EMAIL: {e}"))?;
    let has_users = db.run(users::count).map_err(|e| e.to_string())? > 0;
    if has_users {
        return Ok(());
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => {
            check_password_policy(p).map_err(|e| format!("CRM_ADMIN_PASSWORD: {e}"))?;
            (p.clone(), false)
        }
        None => (random_hex(12)?, true),
    };
    let now = persistence::naive_now();
    let new = users::NewUserRow {
        email: email.clone(),
        name: "Administrator".into(),
        password_hash: hash_password(&password)?,
        role: Role::Admin.as_str().into(),
        department_id: None,
        active: true,
        max_customers: None,
        created_at: now,
        updated_at: now,
    };
    let created = db.write(|conn| {
        if users::count(conn)? > 0 {
            return Ok(false);
        }
        users::insert(conn, &new).map(|_| true)
    });
    match created {
        Ok(true) if generated => {
            println!(
                "crm: created the first admin {email} with password {password} (shown once: sign in and change it)"
            );
        }
        Ok(true) => log::info!("created the first admin {email}"),
        Ok(false) => {}
        Err(e) if e.is_conflict_on(&persistence::Constraint::UserEmail) => {} // another node created it first
        Err(e) => return Err(format!("cannot create the first admin: {e}")),
    }
    Ok(())
}

/// A built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    /// The pool the reports read through.
    reports: Db,
}

impl Application {
    pub fn build(config: Config) -> Result<Application, String> {
        let db = open_database(&config)?;
        let jwt = jwt_keys(&config, &db)?;
        bootstrap_admin(&config, &db)?;
        let pool_size = db.pool_size();
        let reports = open_reports_database(&config, &db)?;
        let state = web::Data::new(AppState {
            db,
            reports: reports.clone(),
            jwt,
            limits: config.limits.clone(),
            auth_cache: Default::default(),
            blobs: std::sync::Arc::new(crate::storage::LocalDisk::new(config.data_dir.join("attachments"))),
        });
        // the document is built once: one copy checks bodies (shape), its text is
        // served from shared bytes, and the route table keeps only the paths
        let (table, shapes, served) = {
            let spec = crate::openapi::spec();
            let document = crate::openapi::tightened(&spec);
            let served = web::Bytes::from(serde_json::to_vec(&document).map_err(|e| e.to_string())?);
            let table = web::Data::new(RouteTable::from_spec(&spec));
            (table, crate::shape::Document(std::sync::Arc::new(document)), served)
        };
        let body_limit = BodyLimit(config.max_body_bytes);
        let body_timeout = crate::extract::BodyTimeout(config.limits.body_timeout);
        let trusted_proxies = config.trusted_proxies.clone();
        let cors_origins = web::Data::new(config.cors_origins.clone());
        let in_flight = web::Data::new(crate::guard::InFlight::new(config.limits.requests_per_address));

        let listener = TcpListener::bind(&config.bind).map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let factory_state = state.clone();
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        // Database calls run on each worker's blocking pool; more threads than
        // pooled connections only wait, and each idle thread keeps its malloc
        // arena (actix's default allows 512 / workers): bound them to what the
        // connection pool can serve.
        let blocking = (usize::try_from(pool_size).unwrap_or(8) / workers + 2).max(4);
        let serving = crate::wire::Serving {
            workers,
            blocking_threads: blocking,
            // the cap is per worker in actix; keep the total under the file handles
            connections: (config.limits.max_connections / workers).max(1),
            head_timeout: config.limits.head_timeout,
            shutdown_timeout: 10,
        };
        let server = crate::wire::serve(listener, serving, move || {
            crate::openapi::app_parts()
                .0
                .app_data(factory_state.clone())
                .app_data(table.clone())
                .app_data(body_limit)
                .app_data(body_timeout)
                .app_data(trusted_proxies.clone())
                .app_data(in_flight.clone())
                .app_data(cors_origins.clone())
                .app_data(shapes.clone())
                .route("/openapi.json", web::get().to(document_handler(served.clone())))
                .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new(["/openapi.json"])))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(fallback))
                .wrap(from_fn(idempotency))
                .wrap(from_fn(crate::caller::identify))
                .wrap(from_fn(crate::guard::per_address))
                .wrap(from_fn(problem_guard))
                .wrap(from_fn(crate::edge::localise))
                .wrap(from_fn(crate::edge::not_modified))
                .wrap(actix_web::middleware::Compress::default())
                .wrap(from_fn(crate::edge::cors))
                .wrap(Logger::new("%a \"%r\" %s %b %Dms"))
        })
        .map_err(|e| e.to_string())?;
        crate::delivery::spawn(state.clone());
        spawn_housekeeping(state.clone());
        spawn_announcements(state);
        Ok(Application { port, server, reports })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pool the reports read through (the primary's, or the replica's):
    /// for a test that checks how its connections plan.
    pub fn reports_db(&self) -> Db {
        self.reports.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (graceful: in-flight requests finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every period (hourly by default): refresh the planner's statistics
/// (SQLite), forget expired idempotency records, sweep the pool (return
/// neglected customers, warn their owners), and reassign overdue leads when
/// configured. With several nodes on one database only the node that takes
/// the period's lease runs them.
fn spawn_housekeeping(state: web::Data<AppState>) {
    let every = state.limits.housekeeping_every;
    spawn_leased(state, "housekeeping", every, |s| {
        Box::pin(async move { housekeeping(&s).await })
    });
}

/// Every minute by default: announce tasks that came due and payment plans
/// that passed their day unpaid (`task.due`, `payment.overdue`), once across
/// all nodes.
fn spawn_announcements(state: web::Data<AppState>) {
    let every = state.limits.announce_every;
    spawn_leased(state, "announcements", every, |s| {
        Box::pin(async move { announce(&s).await })
    });
}

type Job = fn(web::Data<AppState>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// Runs `job` every `every` on the node that takes the period's lease `name`.
fn spawn_leased(state: web::Data<AppState>, name: &'static str, every: std::time::Duration, job: Job) {
    let holder = random_hex(8).unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    // a little shorter than the period, so the next period's lease is free
    let ttl = chrono::Duration::from_std(every.mul_f64(0.9)).unwrap_or(chrono::Duration::minutes(54));
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            tick.tick().await;
            let (db, me) = (state.db.clone(), holder.clone());
            let leased = web::block(move || {
                db.write_autocommit(|conn| persistence::leases::acquire(conn, name, &me, ttl, persistence::now_utc()))
            })
            .await;
            match leased {
                Ok(Ok(true)) => job(state.clone()).await,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => log::error!("{name} lease: {e}"),
                Err(e) => log::error!("{name} lease: {e}"),
            }
        }
    });
}

async fn announce(state: &web::Data<AppState>) {
    let announced = state
        .write(|conn| {
            let now = persistence::now_utc();
            let today = persistence::settings::today(conn, now)?;
            Ok(persistence::announce::run(conn, now, today)?)
        })
        .await;
    match announced {
        Ok(a) if a.tasks_due + a.payments_overdue > 0 => log::info!(
            "announced {} due tasks and {} overdue payments",
            a.tasks_due,
            a.payments_overdue
        ),
        Ok(_) => {}
        Err(e) => log::error!(
            "announcements failed: {e} ({})",
            e.cause().unwrap_or("no cause recorded")
        ),
    }
}

async fn housekeeping(state: &web::Data<AppState>) {
    // the planner's statistics of tables that grew, on every connection
    let db = state.db.clone();
    match web::block(move || persistence::statistics::keep(&db)).await {
        Ok(Ok(kept)) if !kept.analyzed.is_empty() => log::info!("analyzed {}", kept.analyzed.join(", ")),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => log::error!("statistics refresh failed: {e}"),
        Err(e) => log::error!("statistics refresh failed: {e}"),
    }
    let db = state.db.clone();
    let purged = web::block(move || {
        db.write_autocommit(|conn| persistence::idempotency::purge_expired(conn, persistence::now_utc()))
    })
    .await;
    if let Ok(Ok(n)) = purged
        && n > 0
    {
        log::info!("purged {n} expired idempotency records");
    }
    let swept = state
        .write(|conn| {
            let policy = persistence::pool::policy(conn)?;
            Ok(persistence::pool::sweep(conn, &policy, persistence::now_utc())?)
        })
        .await;
    match swept {
        Ok(r) if !r.returned.is_empty() || !r.warned.is_empty() => log::info!(
            "pool sweep: {} customers returned to the pool, {} owners warned",
            r.returned.len(),
            r.warned.len()
        ),
        Ok(_) => {}
        Err(e) => log::error!("pool sweep failed: {e} ({})", e.cause().unwrap_or("no cause recorded")),
    }
    if state.limits.reassign_overdue_leads {
        let sla = state.limits.first_contact_sla;
        let moved = state
            .write(move |conn| {
                let scope = domain::scope::DataScope::All;
                let now = persistence::now_utc();
                Ok(persistence::leads::reassign_overdue(conn, &scope, None, sla, now)?)
            })
            .await;
        match moved {
            Ok(r) if !r.reassigned.is_empty() => log::info!("reassigned {} overdue leads", r.reassigned.len()),
            Ok(_) => {}
            Err(e) => log::error!(
                "overdue lead reassignment failed: {e} ({})",
                e.cause().unwrap_or("no cause recorded")
            ),
        }
    }
}
