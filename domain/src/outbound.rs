//! Where the server may send a request of its own (webhooks, WeCom and
//! DingTalk robots, and whatever reaches out next): never to itself or to
//! the network it stands in, whoever asks. An administrator who can save a
//! webhook could otherwise make the server call a service only it can reach
//! (a database's HTTP port, a cloud's metadata address 169.254.169.254) and
//! read the answer in the delivery log.
//!
//! [`address_refusal`] says why an address is refused: loopback, private,
//! link-local, unique-local, unspecified, shared (carrier-grade NAT),
//! multicast or broadcast, IPv4 written in IPv6 (`::ffff:127.0.0.1`, NAT64)
//! judged as the IPv4 address it carries. [`host_literal`] reads a URL's
//! host as a browser does (WHATWG URL): `127.1`, `2130706433`,
//! `0x7f000001` and `0177.0.0.1` are all 127.0.0.1. A host that is a name
//! is judged by the addresses it resolves to, when saved and again at
//! connect time (the API does both; this module has no I/O). An operator
//! may allow listed hosts or networks ([`Allow`], `CRM_OUTBOUND_ALLOW`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not one the server sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    Unspecified,
    /// Carrier-grade NAT, benchmarking, reserved, multicast, broadcast.
    Reserved,
    /// `localhost` and names under it.
    LocalName,
}

impl Refusal {
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::Loopback => "a loopback address",
            Refusal::Private => "a private address",
            Refusal::LinkLocal => "a link-local address",
            Refusal::UniqueLocal => "a unique-local address",
            Refusal::Unspecified => "an unspecified address",
            Refusal::Reserved => "a reserved, shared or multicast address",
            Refusal::LocalName => "this machine's own name",
        }
    }
}

/// The IPv4 address an IPv6 address carries, if it is written as one:
/// IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, not `::`
/// or `::1`) or NAT64 (`64:ff9b::a.b.c.d`).
fn carried_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = || Ipv4Addr::from(u32::from(s[6]) << 16 | u32::from(s[7]));
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(v4()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(v4()),
        [0, 0, 0, 0, 0, 0, hi, _] if hi != 0 => Some(v4()),
        _ => None,
    }
}

fn v4_refusal(ip: Ipv4Addr) -> Option<Refusal> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some(Refusal::Unspecified)
    } else if ip.is_loopback() {
        Some(Refusal::Loopback)
    } else if ip.is_private() {
        Some(Refusal::Private)
    } else if ip.is_link_local() {
        Some(Refusal::LinkLocal)
    } else if (a == 100 && (64..128).contains(&b)) // shared, RFC 6598
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, RFC 2544
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 224
    // multicast, reserved, broadcast
    {
        Some(Refusal::Reserved)
    } else {
        None
    }
}

/// Why the server does not send to `ip`, or `None` where it may.
pub fn address_refusal(ip: IpAddr) -> Option<Refusal> {
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = carried_v4(v6) {
                return v4_refusal(v4);
            }
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Some(Refusal::Unspecified)
            } else if v6.is_loopback() {
                Some(Refusal::Loopback)
            } else if first & 0xfe00 == 0xfc00 {
                Some(Refusal::UniqueLocal)
            } else if first & 0xffc0 == 0xfe80 {
                Some(Refusal::LinkLocal)
            } else if first & 0xff00 == 0xff00 || first & 0xffc0 == 0xfec0 {
                // multicast, and the deprecated site-local
                Some(Refusal::Reserved)
            } else {
                None
            }
        }
    }
}

/// One part of a WHATWG IPv4 host: decimal, octal (`0` first) or hex (`0x`).
fn ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // `0x` alone is zero
        return (radix == 16).then_some(0);
    }
    if digits.len() > 20 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The address a URL's host names when it is written as one, as a browser
/// (and the `url` crate the HTTP client uses) reads it: dotted IPv4 with
/// one to four decimal, octal or hex parts (the last filling the bytes
/// left), or an IPv6 address in brackets. `None` for a name.
pub fn host_literal(host: &str) -> Option<IpAddr> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|p| ipv4_number(p)).collect::<Option<_>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|n| *n > 255) || *last >= 1u64 << (8 * (5 - numbers.len())) {
        return None;
    }
    let mut value: u64 = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    u32::try_from(value).ok().map(|v| IpAddr::V4(Ipv4Addr::from(v)))
}

/// Why the server does not send to a URL's `host` as written: an address
/// refused by [`address_refusal`], or `localhost` and the names under it.
/// A name not refused here is judged by what it resolves to.
pub fn host_refusal(host: &str) -> Option<Refusal> {
    if let Some(ip) = host_literal(host) {
        return address_refusal(ip);
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    (name == "localhost" || name.ends_with(".localhost")).then_some(Refusal::LocalName)
}

/// The host of an `http://` or `https://` URL as written (userinfo and port
/// left out, IPv6 in its brackets), if it has one.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let host = if hostport.starts_with('[') {
        &hostport[..=hostport.find(']')?]
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// Hosts and networks an operator lets the server send to although they
/// are refused otherwise (`CRM_OUTBOUND_ALLOW`: comma-separated host names,
/// addresses and networks such as `10.1.0.0/16` or `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    names: Vec<String>,
    networks: Vec<(IpAddr, u8)>,
}

impl Allow {
    /// Reads the list; an entry that is neither a name nor an address
    /// (with an optional prefix length in range) is an error naming it.
    pub fn parse(list: &str) -> Result<Allow, String> {
        let mut allow = Allow::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, bits) = match entry.split_once('/') {
                Some((a, b)) => (
                    a,
                    Some(b.parse::<u8>().map_err(|_| format!("{entry}: not a prefix length"))?),
                ),
                None => (entry, None),
            };
            let ip = addr
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
                .or_else(|| host_literal(addr));
            match (ip, bits) {
                (Some(ip), bits) => {
                    let most = if ip.is_ipv4() { 32 } else { 128 };
                    let bits = bits.unwrap_or(most);
                    if bits > most {
                        return Err(format!("{entry}: a prefix of at most {most} bits"));
                    }
                    allow.networks.push((ip, bits));
                }
                (None, None) if entry.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') => {
                    allow.names.push(entry.to_ascii_lowercase());
                }
                _ => return Err(format!("{entry}: not a host name, an address or a network")),
            }
        }
        Ok(allow)
    }

    /// The host as written is one the operator listed by name.
    pub fn allows_name(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        self.names.contains(&host)
    }

    /// `ip` is in a listed network.
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => carried_v4(v6).map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.networks.iter().any(|(net, bits)| within(ip, *net, *bits))
    }
}

fn within(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Why the server does not send to `host` as written in a URL, given the
/// operator's `allow` list: `None` where it may (a name is then judged
/// again by what it resolves to, [`resolved_refusal`]).
pub fn refusal(host: &str, allow: &Allow) -> Option<Refusal> {
    if allow.allows_name(host) {
        return None;
    }
    match host_literal(host) {
        Some(ip) if allow.allows_address(ip) => None,
        _ => host_refusal(host),
    }
}

/// Why the server does not connect to `ip`, an address a host name
/// resolved to, given the `allow` list (and the name, which the operator
/// may have listed).
pub fn resolved_refusal(host: &str, ip: IpAddr, allow: &Allow) -> Option<Refusal> {
    if allow.allows_name(host) || allow.allows_address(ip) {
        None
    } else {
        address_refusal(ip)
    }
}

#[cfg(test)]
mod tests;
