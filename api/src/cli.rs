//! The command line of `crm`: `serve` (default), `migrate`, `openapi`. The
//! binary's `main` is this module's [`main`], so the test suite can run the
//! very same program as a child process (to kill it mid-request).

use std::process::ExitCode;

use crate::{Application, Config};

const USAGE: &str = "usage: crm [serve | migrate | openapi]
  serve    run the API server (default); see README.md for the variables
  migrate  create or migrate the database named by DATABASE_URL, then exit
  openapi  print the OpenAPI document";

/// glibc's malloc gives each thread that allocates its own arena (up to eight
/// per core) and keeps what a thread freed in that arena: after a 60,000-lead
/// import the server held 40-60 MB more than before it, spread over the
/// blocking threads' arenas. Two arenas keep it within a few MB (#14 item 4;
/// figures in docs/benchmarks.md). glibc reads the setting only as a process
/// starts, so `serve` starts itself once more with `MALLOC_ARENA_MAX=2`, keeping
/// its pid; a `MALLOC_ARENA_MAX` the operator set is left as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn few_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    log::warn!("could not restart with MALLOC_ARENA_MAX=2 ({error}); memory may stay higher after large imports");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn few_malloc_arenas() {}

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
    few_malloc_arenas();
    let config = Config::from_env()?;
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind.clone();
        let app = Application::build(config)?;
        log::info!("listening on http://{bind} (docs at /docs)");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
