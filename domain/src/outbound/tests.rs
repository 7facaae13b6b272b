use super::*;
use proptest::prelude::*;

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().expect("an address"))
}

#[test]
fn every_spelling_the_issue_tried_is_refused() {
    for host in [
        "127.0.0.1",
        "localhost",
        "LocalHost.",
        "api.localhost",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "0.0.0.0",
        "0",
        "[::]",
        "[::1]",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "[fd00::1]",
        "[fe80::1]",
        "169.254.169.254",
        "[64:ff9b::a9fe:a9fe]",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
    ] {
        assert!(host_refusal(host).is_some(), "{host} should be refused");
        assert!(refusal(host, &Allow::default()).is_some(), "{host}");
    }
}

#[test]
fn public_addresses_and_names_pass() {
    for host in [
        "8.8.8.8",
        "erp.example.com",
        "[2001:db8::1]",
        "oapi.dingtalk.com",
        "qyapi.weixin.qq.com",
        "1.1",
    ] {
        assert_eq!(host_refusal(host), None, "{host}");
    }
    assert_eq!(host_literal("1.1"), Some(v4("1.0.0.1")));
    assert_eq!(host_literal("erp.example.com"), None);
    assert_eq!(host_literal("256.1.1.1"), None, "a part above 255 is not an address");
    assert_eq!(host_literal("1.2.3.4.5"), None);
    assert_eq!(host_literal("0x"), Some(v4("0.0.0.0")));
}

#[test]
fn the_host_of_a_url_is_what_stands_between_the_scheme_and_the_path() {
    assert_eq!(url_host("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
    assert_eq!(
        url_host("https://user:pw@erp.example.com/hooks"),
        Some("erp.example.com")
    );
    assert_eq!(url_host("http://[::1]:9000/"), Some("[::1]"));
    assert_eq!(url_host("http://evil.example@127.0.0.1/"), Some("127.0.0.1"));
    assert_eq!(url_host("http://a.example?x=@127.0.0.1"), Some("a.example"));
    assert_eq!(url_host("ftp://a.example/"), None);
    assert_eq!(url_host("http:///x"), None);
}

#[test]
fn an_operator_allows_listed_names_and_networks() {
    let allow = Allow::parse("127.0.0.0/8, ::1, receiver.internal, 10.1.0.0/16").expect("a list");
    assert_eq!(refusal("127.0.0.1", &allow), None);
    assert_eq!(refusal("0x7f000001", &allow), None);
    assert_eq!(refusal("[::1]", &allow), None);
    assert_eq!(refusal("[::ffff:127.0.0.1]", &allow), None);
    assert_eq!(refusal("10.1.200.3", &allow), None);
    assert_eq!(refusal("10.2.0.1", &allow), Some(Refusal::Private));
    assert_eq!(refusal("localhost", &allow), Some(Refusal::LocalName));
    assert_eq!(resolved_refusal("receiver.internal", v4("10.9.9.9"), &allow), None);
    assert_eq!(
        resolved_refusal("other.example", v4("10.9.9.9"), &allow),
        Some(Refusal::Private)
    );
    assert_eq!(resolved_refusal("other.example", v4("10.1.9.9"), &allow), None);
    for bad in ["10.0.0.0/33", "::/129", "a b", "10.0.0.0/x", "http://x"] {
        assert!(Allow::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Allow::parse(" , ").expect("empty"), Allow::default());
}

/// The ways a browser (and the URL reader of the HTTP client) lets one
/// write the IPv4 address `ip` as a host.
fn spellings(ip: Ipv4Addr) -> Vec<String> {
    let [a, b, c, d] = ip.octets();
    let n = u32::from(ip);
    vec![
        format!("{a}.{b}.{c}.{d}"),
        format!("{n}"),
        format!("0x{n:x}"),
        format!("0{a:o}.{b}.0x{c:x}.{d}"),
        format!("{a}.{}", n & 0x00ff_ffff),
        format!("{a}.{b}.{}", n & 0xffff),
        format!("[::ffff:{a}.{b}.{c}.{d}]"),
        format!("[::ffff:{:x}:{:x}]", n >> 16, n & 0xffff),
    ]
}

proptest! {
    /// Every spelling of an address names it, and is refused exactly when the address is.
    #[test]
    fn every_spelling_of_an_address_is_judged_as_the_address(raw in any::<u32>()) {
        let ip = Ipv4Addr::from(raw);
        let expected = v4_refusal(ip);
        for s in spellings(ip) {
            if !s.starts_with('[') {
                prop_assert_eq!(host_literal(&s), Some(IpAddr::V4(ip)), "{}", s);
            }
            prop_assert_eq!(host_refusal(&s), expected, "{}", s);
        }
    }

    /// Loopback, private and link-local networks are refused whatever the address in them.
    #[test]
    fn the_inside_networks_are_refused_throughout(low in any::<u32>()) {
        for (net, bits) in [("127.0.0.0", 8), ("10.0.0.0", 8), ("172.16.0.0", 12), ("192.168.0.0", 16), ("169.254.0.0", 16), ("0.0.0.0", 8)] {
            let base = u32::from(net.parse::<Ipv4Addr>().expect("a network"));
            let ip = Ipv4Addr::from(base | (low >> bits));
            prop_assert!(address_refusal(IpAddr::V4(ip)).is_some(), "{}", ip);
        }
        let ula = Ipv6Addr::from(0xfd00_u128 << 112 | u128::from(low));
        prop_assert_eq!(address_refusal(IpAddr::V6(ula)), Some(Refusal::UniqueLocal));
    }
}
