//! Unit tests of `api::client`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::client::*;
use std::net::IpAddr;

#[test]
fn only_trusted_peers_may_name_the_client() {
    let proxy: IpAddr = [10, 0, 0, 1].into();
    let t = TrustedProxies::parse("10.0.0.1, 10.0.0.2").expect("list");
    let header = Some("203.0.113.9, 198.51.100.7, 10.0.0.2");
    assert_eq!(
        t.client(proxy, header),
        IpAddr::from([198, 51, 100, 7]),
        "nearest untrusted hop"
    );
    let stranger: IpAddr = [192, 0, 2, 5].into();
    assert_eq!(t.client(stranger, header), stranger, "a stranger's header is ignored");
    assert_eq!(t.client(proxy, None), proxy);
    assert_eq!(t.client(proxy, Some("garbage")), proxy);
    assert!(TrustedProxies::parse("10.0.0.1,nope").is_err());
    assert_eq!(TrustedProxies::parse("").expect("empty"), TrustedProxies::default());
}
