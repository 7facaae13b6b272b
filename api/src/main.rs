//! `crm serve` (default), `crm migrate`, `crm openapi`: see [`api::cli`].

fn main() -> std::process::ExitCode {
    api::cli::main()
}
