//! Unit tests of `api::delivery`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::delivery::*;

#[test]
fn signatures_cover_timestamp_and_body() {
    let s = signature("whsec", 1_700_000_000, "{\"a\":1}");
    assert!(s.starts_with("t=1700000000,v1="));
    assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
    assert_ne!(s, signature("whsec", 1_700_000_001, "{\"a\":1}"));
    assert_ne!(s, signature("other", 1_700_000_000, "{\"a\":1}"));
}

#[test]
fn dingtalk_urls_are_signed_when_a_secret_is_set() {
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time");
    let base = "https://oapi.dingtalk.com/robot/send?access_token=x";
    assert_eq!(dingtalk_url(base, None, now), base);
    let signed = dingtalk_url(base, Some("SEC123"), now);
    assert!(
        signed.starts_with(&format!("{base}&timestamp=1700000000000&sign=")),
        "{signed}"
    );
}
