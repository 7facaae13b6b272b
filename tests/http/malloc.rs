//! `crm serve` runs with its glibc malloc settings (two arenas, a fixed
//! threshold for mapped blocks), and keeps the ones an operator set. What
//! they save is measured by the memory soak (tests/benches/soak.rs), not
//! here: a test only sees that the running process has them.

use crm_tests::child::ChildServer;

/// The environment the process `pid` was started with (after its restart).
fn environment(pid: u32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    raw.split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .filter(|v| v.starts_with("MALLOC_"))
        .collect()
}

#[test]
fn serve_runs_with_its_malloc_settings_and_keeps_the_operators() {
    let postgres = crm_tests::backend_is_postgres();
    let ours = ChildServer::start(env!("CARGO_BIN_EXE_crm-under-test"), postgres, &[]);
    let mut set = environment(ours.pid().unwrap());
    set.sort();
    assert_eq!(set, ["MALLOC_ARENA_MAX=2", "MALLOC_MMAP_THRESHOLD_=16777216"]);
    // the restart keeps the pid: the server answers on it
    ours.get("/healthz").send().expect(200);

    let operators = ChildServer::start(
        env!("CARGO_BIN_EXE_crm-under-test"),
        postgres,
        &[("MALLOC_ARENA_MAX", "4")],
    );
    let mut set = environment(operators.pid().unwrap());
    set.sort();
    assert_eq!(set, ["MALLOC_ARENA_MAX=4", "MALLOC_MMAP_THRESHOLD_=16777216"]);
}
