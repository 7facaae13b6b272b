//! Request heads that actix-http refuses itself, before any route: more
//! than 96 header fields or 128 KiB of head (431), a head it cannot parse
//! (400), a head that stalls (408). Each answer is problem+json with a code,
//! whole and framed by its content length, and the connection closes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crm_tests::TestApp;
use serde_json::Value;

/// Sends `bytes` on a new connection and reads until the server closes it.
fn exchange(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    // a refused head may be answered before all of it is sent
    let _ = s.write_all(bytes);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer
}

/// The answers in `bytes`, each as (status line, lower-cased header block,
/// body), split by their content lengths.
fn answers(mut bytes: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a whole head") + 4;
        let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
        let (status, fields) = head.split_once("\r\n").unwrap();
        let fields = fields.to_ascii_lowercase();
        let length: usize = fields
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .expect("a content length")
            .trim()
            .parse()
            .unwrap();
        assert!(bytes.len() >= end + length, "the body is cut short: {head}");
        out.push((status.to_owned(), fields, bytes[end..end + length].to_vec()));
        bytes = &bytes[end + length..];
    }
    out
}

/// The one answer of `bytes`: a problem of `status` and `code`, on a
/// connection the server closes.
fn one_problem(bytes: &[u8], status: u16, code: &str) -> Value {
    let all = answers(bytes);
    assert_eq!(all.len(), 1, "{}", String::from_utf8_lossy(bytes));
    problem(&all[0], status, code)
}

fn problem((line, fields, body): &(String, String, Vec<u8>), status: u16, code: &str) -> Value {
    assert!(line.starts_with(&format!("HTTP/1.1 {status} ")), "{line}");
    assert!(
        fields.contains("content-type: application/problem+json\r\n"),
        "{fields}"
    );
    assert!(fields.contains("connection: close\r\n"), "{fields}");
    assert!(fields.contains("date: "), "{fields}");
    let p: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(p["status"], status);
    assert_eq!(p["code"], code);
    assert_eq!(p["type"], format!("urn:crm:problem:{code}"));
    assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
    p
}

fn get_with(fields: &str) -> Vec<u8> {
    format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{fields}\r\n").into_bytes()
}

#[test]
fn a_head_of_too_many_fields_or_bytes_gets_a_431_problem() {
    let app = TestApp::spawn();
    // 97 fields (Host and 96 more): one over actix-http's 96
    let many: String = (0..96).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let p = one_problem(&exchange(app.port, &get_with(&many)), 431, "head_too_large");
    assert!(p["detail"].as_str().unwrap().contains("96 header fields"), "{p}");
    // 96 fields in all are read
    let fine: String = (0..94).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let ok = answers(&exchange(app.port, &get_with(&format!("Connection: close\r\n{fine}"))));
    assert_eq!(ok.len(), 1);
    assert!(ok[0].0.starts_with("HTTP/1.1 200"), "{}", ok[0].0);
    // one field of 130 KiB, and a request line of 130 KiB
    let big = format!("X-Big: {}\r\n", "a".repeat(130 * 1024));
    one_problem(&exchange(app.port, &get_with(&big)), 431, "head_too_large");
    let long_uri = format!("GET /healthz?{} HTTP/1.1\r\nHost: x\r\n\r\n", "q".repeat(130 * 1024));
    one_problem(&exchange(app.port, long_uri.as_bytes()), 431, "head_too_large");
    app.get("/healthz").send().expect(200);
}

#[test]
fn an_unreadable_head_gets_a_400_problem() {
    let app = TestApp::spawn();
    // a field without a colon, and a request line that is not HTTP
    one_problem(
        &exchange(app.port, b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"),
        400,
        "bad_request",
    );
    one_problem(&exchange(app.port, b"HELLO\r\n\r\n"), 400, "bad_request");
}

#[test]
fn answers_before_a_refused_head_on_one_connection_go_out_unchanged() {
    let app = TestApp::spawn();
    // two good requests, then a head of too many fields, in one write
    let many: String = (0..100).map(|i| format!("X-F{i}: {i}\r\n")).collect();
    let mut bytes = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    bytes.extend(get_with(&many));
    let all = answers(&exchange(app.port, &bytes));
    assert_eq!(all.len(), 3, "{:?}", all.iter().map(|a| &a.0).collect::<Vec<_>>());
    assert!(all[0].0.starts_with("HTTP/1.1 200"), "{}", all[0].0);
    assert!(all[1].0.starts_with("HTTP/1.1 200"), "{}", all[1].0);
    let doc: Value = serde_json::from_slice(&all[1].2).unwrap();
    assert!(doc["paths"].as_object().is_some_and(|p| p.len() > 50));
    problem(&all[2], 431, "head_too_large");
}

#[test]
fn a_stalled_head_gets_a_408_problem() {
    let app = TestApp::spawn_with(|c| c.limits.head_timeout = Duration::from_secs(1));
    let started = Instant::now();
    let answer = exchange(app.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
    let p = one_problem(&answer, 408, "request_timeout");
    assert!(p["detail"].as_str().unwrap().contains("head"), "{p}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}
