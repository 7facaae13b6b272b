//! Unit tests of `api::params`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::params::*;

#[test]
fn integral_decimals_read_as_their_digits() {
    assert_eq!(integral("5.0"), Some("5"));
    assert_eq!(integral("-12.000"), Some("-12"));
    assert_eq!(integral("5.5"), None);
    assert_eq!(integral("5."), None);
    assert_eq!(integral("a.0"), None);
    assert_eq!(integral("5"), None);
    #[derive(Debug, serde::Deserialize)]
    struct Q {
        limit: Option<i64>,
        q: Option<String>,
    }
    let q: Q = parse_query("limit=50.0&q=3.0").expect("integral limit");
    assert_eq!((q.limit, q.q.as_deref()), (Some(50), Some("3.0")));
    let q: Q = parse_query("q=3.0").expect("text");
    assert_eq!(q.q.as_deref(), Some("3.0"));
}
