//! Unit tests of `api::edge`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::edge::*;

#[test]
fn origins_parse_and_match() {
    let list = CorsOrigins::parse("https://app.example.com, http://localhost:5173").expect("origins");
    assert!(list.allows("https://app.example.com"));
    assert!(list.allows("HTTPS://APP.example.com"));
    assert!(list.allows("http://localhost:5173"));
    assert!(!list.allows("https://evil.example.com"));
    assert!(!list.allows("http://app.example.com"));
    assert!(!CorsOrigins::parse("").expect("empty").allows("https://a.com"));
    assert!(CorsOrigins::parse("*").expect("any").allows("https://a.com"));
    assert!(CorsOrigins::parse("https://a.com/").is_err());
    assert!(CorsOrigins::parse("https://a.com/app").is_err());
    assert!(CorsOrigins::parse("a.com").is_err());
}

#[test]
fn if_none_match_lists() {
    assert!(none_match("\"v3\"", "\"v3\""));
    assert!(none_match("W/\"v3\"", "\"v3\""));
    assert!(none_match("\"v1\", \"v3\"", "\"v3\""));
    assert!(none_match("*", "\"v3\""));
    assert!(!none_match("\"v4\"", "\"v3\""));
}
