//! Unit tests of `api::error::zh`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::error::ErrorCode;
use api::error::zh::*;

#[test]
fn chooses_the_preferred_language() {
    assert!(prefers_zh("zh-CN"));
    assert!(prefers_zh("zh-CN,zh;q=0.9,en;q=0.8"));
    assert!(prefers_zh("en;q=0.5, zh-Hans;q=0.9"));
    assert!(prefers_zh("ZH"));
    assert!(!prefers_zh("en-US,zh-CN;q=0.9"));
    assert!(!prefers_zh("zh-CN;q=0, en"));
    assert!(!prefers_zh(""));
    assert!(!prefers_zh("zhx"));
    assert!(!prefers_zh("en, zh"));
}

#[test]
fn every_code_and_error_status_has_chinese() {
    for code in ErrorCode::ALL {
        assert!(!detail(*code).is_ascii(), "{code:?}");
    }
    for status in [400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 500, 503] {
        assert_ne!(title(status), "错误", "{status}");
    }
}
