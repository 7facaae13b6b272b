//! Slow clients cannot starve the server: a body that never arrives is cut
//! off with 408, and one address cannot hold more than its share of requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crm_tests::TestApp;
use serde_json::json;

/// Sends complete headers promising a body, then nothing.
fn stall(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em",
    )
    .unwrap();
    s
}

fn read_answer(mut s: TcpStream, within: Duration) -> String {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn a_stalled_body_gets_408_and_the_connection_closes() {
    let app = TestApp::spawn_with(|c| c.limits.body_timeout = Duration::from_secs(1));
    let started = Instant::now();
    let answer = read_answer(stall(app.port), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn one_address_cannot_hold_every_request_slot() {
    let app = TestApp::spawn_with(|c| {
        c.limits.body_timeout = Duration::from_secs(5);
        c.limits.requests_per_address = 3;
    });
    let stalled: Vec<TcpStream> = (0..3).map(|_| stall(app.port)).collect();
    // the server reads the three stalled heads in a moment; a second leaves
    // room for a busy machine (a request sent before they are read would
    // take a slot itself and crowd one of them out)
    std::thread::sleep(Duration::from_secs(1));
    let r = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": crm_tests::ADMIN_EMAIL, "password": crm_tests::ADMIN_PASSWORD}));
    r.problem(429, "too_many_requests");
    assert!(r.header("retry-after").is_some());
    app.get("/healthz").send().expect(200);
    // the stalled ones end with 408, and their slots come back
    for s in stalled {
        assert!(read_answer(s, Duration::from_secs(10)).starts_with("HTTP/1.1 408"));
    }
    app.login(crm_tests::ADMIN_EMAIL, crm_tests::ADMIN_PASSWORD);
}
