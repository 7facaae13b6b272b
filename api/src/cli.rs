//! The command line of `crm`: `serve` (default), `migrate`, `openapi`. The
//! binary's `main` is this module's [`main`], so the test suite can run the
//! very same program as a child process (to kill it mid-request).

use std::process::ExitCode;

use crate::{Application, Config};

const USAGE: &str = "usage: crm [serve | migrate | openapi]
  serve    run the API server (default); see README.md for the variables
  migrate  create or migrate the database named by DATABASE_URL, then exit
  openapi  print the OpenAPI document";

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
    let config = Config::from_env()?;
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind.clone();
        let app = Application::build(config)?;
        log::info!("listening on http://{bind} (docs at /docs)");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
