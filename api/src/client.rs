//! The real client address of a request: the peer, or, when the peer is a
//! trusted proxy (`CRM_TRUSTED_PROXIES`), the nearest address in
//! `X-Forwarded-For` that is not one of ours. Throttles and per-address
//! limits key on it; a header from an untrusted peer is ignored, so nobody
//! can pick the address they are counted under.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpAddr>);

impl TrustedProxies {
    /// `10.0.0.1, 10.0.0.2`; an entry that is not an IP address is an error naming it.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .map_err(|_| format!("CRM_TRUSTED_PROXIES: `{s}` is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// The client behind `peer`, given the `X-Forwarded-For` header.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.0.contains(&peer) {
            return peer;
        }
        forwarded_for
            .into_iter()
            .flat_map(|h| h.rsplit(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .find(|a| !self.0.contains(a))
            .unwrap_or(peer)
    }
}

/// The client address of `req` (see the module), `None` without a peer.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(match req.app_data::<TrustedProxies>() {
        Some(trusted) => trusted.client(peer, forwarded),
        None => peer,
    })
}
