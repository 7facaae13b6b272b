//! Two builds of the server side by side (`CRM_BENCH_AB=<program a>,<program
//! b>`): on the one data set the bench seeded, each round restarts the server
//! as each program in turn and runs the scenarios, three rounds, so a slow
//! phase of the shared machine falls on both. Prints requests/s and the
//! server's CPU time per request (user + system, from /proc), which moves
//! less with the machine than the rate does. Nothing is written to
//! docs/benchmarks.md: the figures go in the commit message of the change.

use std::sync::Arc;

use crm_tests::child::ChildServer;

use super::load;

/// A scenario: its name, the status every answer must have, and the request.
pub type Scenario = (&'static str, u16, Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>);

const ROUNDS: usize = 3;

/// The programs of `CRM_BENCH_AB`, when it names two or more.
pub fn programs() -> Option<Vec<String>> {
    let list = std::env::var("CRM_BENCH_AB").ok()?;
    let programs: Vec<String> = list.split(',').map(str::to_owned).collect();
    (programs.len() >= 2).then_some(programs)
}

/// The server's CPU time so far, in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // the fields after the command name, which is in parentheses
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are the 14th and 15th fields of the whole line
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Runs `scenarios` under each of `programs`, `ROUNDS` times, and prints one
/// line per round, program and scenario.
pub fn compare(server: &mut ChildServer, programs: &[String], scenarios: &[Scenario]) {
    println!("| round | program | scenario | requests/s | p99 ms | server CPU µs per request |");
    println!("|---|---|---|---|---|---|");
    for round in 1..=ROUNDS {
        for program in programs {
            server.set_program(program);
            server.restart();
            let pid = server.pid().unwrap();
            let port: u16 = server.client.base.rsplit(':').next().unwrap().parse().unwrap();
            for (name, expect, request) in scenarios {
                let request = request.clone();
                let before = cpu_ticks(pid);
                let m = load(port, *expect, move |t, n| request(t, n));
                let ticks = cpu_ticks(pid) - before;
                let per = ticks as f64 * 10_000.0 / m.sent.max(1) as f64;
                let short = program.rsplit('/').next().unwrap_or(program);
                println!(
                    "| {round} | {short} | {name} | {:.0} | {:.2} | {per:.0} |",
                    m.rate, m.p99_ms
                );
            }
        }
    }
}
