//! The `crm` program, built inside the test crate so that tests which must kill
//! a server process (kill -9 mid-request) can start it as a child.

fn main() -> std::process::ExitCode {
    api::cli::main()
}
