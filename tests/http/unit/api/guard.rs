//! Unit tests of `api::guard`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::guard::*;
use std::net::IpAddr;

#[test]
fn an_address_gets_its_share_and_slots_come_back() {
    let t = InFlight::new(2);
    let a: IpAddr = [10, 0, 0, 1].into();
    let b: IpAddr = [10, 0, 0, 2].into();
    let s1 = t.enter(a).expect("first");
    let _s2 = t.enter(a).expect("second");
    assert!(t.enter(a).is_none(), "third refused");
    assert!(t.enter(b).is_some(), "another address is not affected");
    drop(s1);
    assert!(t.enter(a).is_some(), "a finished request frees its slot");
}
