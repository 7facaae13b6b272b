//! Unit tests of `api::wire`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::wire::bare_answer;
use serde_json::Value;

const DATE: &str = "date: Mon, 30 Nov 2026 05:07:04 GMT\r\n";

fn bare(status: &str, fields: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n{fields}{DATE}\r\n")
}

/// The replacement's head fields and its body as JSON.
fn split(answer: &[u8]) -> (String, Value) {
    let text = std::str::from_utf8(answer).expect("text");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("a length");
    assert_eq!(length.parse::<usize>().expect("a number"), body.len());
    (head.to_owned(), serde_json::from_str(body).expect("json"))
}

#[test]
fn actix_bare_errors_become_problems_keeping_status_and_date() {
    for (status, code) in [
        ("431 Request Header Fields Too Large", "head_too_large"),
        ("400 Bad Request", "bad_request"),
        ("408 Request Timeout", "request_timeout"),
    ] {
        for fields in ["connection: close\r\n", ""] {
            let bytes = bare(status, fields);
            let (at, answer) = bare_answer(bytes.as_bytes()).expect(status);
            assert_eq!(at, 0);
            let (head, p) = split(&answer);
            assert!(head.starts_with(&format!("HTTP/1.1 {status}\r\n")), "{head}");
            assert!(head.contains("content-type: application/problem+json\r\n"), "{head}");
            assert_eq!(head.matches("connection: close").count(), 1, "{head}");
            assert!(head.contains(DATE.trim_end()), "{head}");
            assert_eq!(p["code"], code);
            assert_eq!(p["status"].as_u64(), status[..3].parse::<u64>().ok());
        }
    }
}

#[test]
fn a_bare_error_after_other_answers_is_found_where_it_starts() {
    let first = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
    let bytes = format!("{first}{}", bare("431 Request Header Fields Too Large", ""));
    let (at, _) = bare_answer(bytes.as_bytes()).expect("found");
    assert_eq!(at, first.len());
}

#[test]
fn other_answers_pass_unchanged() {
    let ours = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n\
                content-length: 0\r\n\r\n";
    let chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
    let cases = [
        bare("404 Not Found", ""),
        bare("200 OK", ""),
        bare("413 Payload Too Large", ""),
        ours.to_owned(),
        chunked.to_owned(),
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\n".to_owned(),
        "HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n".to_owned(),
        // not the end of a head, or no head at all
        format!("{}x", bare("400 Bad Request", "")),
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{\"a\":1}\r\n\r\n".to_owned(),
        "HTTP/2 400\r\ncontent-length: 0\r\n\r\n".to_owned(),
        "HTTP/1.1 400 Bad Request\r\nno colon\r\ncontent-length: 0\r\n\r\n".to_owned(),
        "\r\n\r\n".to_owned(),
        String::new(),
    ];
    for case in cases {
        assert!(bare_answer(case.as_bytes()).is_none(), "{case:?}");
    }
}
