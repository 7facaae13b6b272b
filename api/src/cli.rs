//! The command line of `crm`: `serve` (default), `migrate`, `openapi`. The
//! binary's `main` is this module's [`main`], so the test suite can run the
//! very same program as a child process (to kill it mid-request).

use std::process::ExitCode;

use crate::{Application, Config};

const USAGE: &str = "usage: crm [serve | migrate | openapi]
  serve    run the API server (default); see README.md for the variables
  migrate  create or migrate the database named by DATABASE_URL, then exit
  openapi  print the OpenAPI document";

/// glibc malloc settings `serve` runs with, unless the operator set them.
///
/// - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own
///   arena (up to eight per core) and keeps what a thread freed in that
///   arena: after a 60,000-lead import the server held 40-60 MB more than
///   before it, spread over the blocking threads' arenas. Two arenas keep it
///   within a few MB (#14 item 4; figures in docs/benchmarks.md).
/// - `MALLOC_MMAP_THRESHOLD_=16 MiB`: a password hash (argon2id, 19 MiB of
///   memory) is one allocation. By default glibc maps a block that large and
///   returns it when freed, but then raises its threshold to that size, so
///   every later hash (each sign-in) came from an arena and ~20 MB stayed
///   resident after it. A fixed threshold keeps the hash's block mapped, and
///   returned when the hash is done: the soak's server held 61-62 MB at
///   start instead of 80-81, and 67-71 MB after the import instead of 97-105.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_SETTINGS: [(&str, &str); 2] = [("MALLOC_ARENA_MAX", "2"), ("MALLOC_MMAP_THRESHOLD_", "16777216")];

/// glibc reads its malloc settings only as a process starts, so `serve`
/// starts itself once more with [`MALLOC_SETTINGS`], keeping its pid; a
/// setting the operator made is left as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_settings() {
    use std::os::unix::process::CommandExt;
    let missing: Vec<(&str, &str)> = MALLOC_SETTINGS
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(missing)
        .exec();
    log::warn!(
        "could not restart with {MALLOC_SETTINGS:?} ({error}); memory may stay higher after sign-ins and large imports"
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn malloc_settings() {}

pub fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let result = match command.as_str() {
        "serve" => serve(),
        "migrate" => Config::from_env()
            .and_then(|c| crate::startup::open_database(&c))
            .map(|db| {
                println!("crm: {} is migrated", db.backend().describe());
            }),
        "openapi" => {
            print!("{}", crate::openapi::spec_json());
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> Result<(), String> {
    malloc_settings();
    let config = Config::from_env()?;
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind.clone();
        let app = Application::build(config)?;
        log::info!("listening on http://{bind} (docs at /docs)");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
