//! Unit tests of `api::words`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::words::*;
use domain::vocabulary::DealStatus;

#[test]
fn an_unknown_stored_word_is_our_fault_not_a_default() {
    assert_eq!(stored::<DealStatus>("won").ok(), Some(DealStatus::Won));
    let e = stored::<DealStatus>("maybe").err().map(|e| (e.status.as_u16(), e.code));
    assert_eq!(e, Some((500, api::error::ErrorCode::InternalError)));
}
