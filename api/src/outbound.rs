//! Requests the server sends of its own (webhooks, robots) reach only
//! addresses `domain::outbound` allows: a URL is checked when it is saved
//! (its host as written, and the addresses a name resolves to then), and
//! the HTTP client connects only to resolved addresses that pass the same
//! rule, so a name that resolves elsewhere later (DNS rebinding) or a URL
//! stored before the rule existed reaches nothing inside either. Redirects
//! are not followed.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use domain::outbound::{Allow, Refusal, host_literal, refusal, resolved_refusal, url_host};

/// Resolves a host for the HTTP client, keeping only the addresses the
/// server may connect to; an error naming the reason when none is left.
struct Guarded {
    allow: Allow,
}

impl ureq::Resolver for Guarded {
    fn resolve(&self, netloc: &str) -> io::Result<Vec<SocketAddr>> {
        let host = netloc.rsplit_once(':').map_or(netloc, |(h, _)| h);
        let mut why = None;
        let kept: Vec<SocketAddr> = netloc
            .to_socket_addrs()?
            .filter(|a| match resolved_refusal(host, a.ip(), &self.allow) {
                Some(r) => {
                    why = Some(r);
                    false
                }
                None => true,
            })
            .collect();
        match (kept.is_empty(), why) {
            (true, Some(r)) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{host} is {}: the server does not send there", r.describe()),
            )),
            _ => Ok(kept),
        }
    }
}

/// The HTTP client for webhooks and robots: no redirects, `timeout`, and
/// only the addresses `allow` lets through besides the public ones.
pub fn agent(allow: Allow, timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(0)
        .resolver(Guarded { allow })
        .build()
}

/// Why the server would not send to `url` (an `http(s)://` address whose
/// form was checked), as written or as its host name resolves now; `None`
/// where it may. A name that does not resolve passes: its deliveries are
/// checked again when they connect. Blocking: call from a worker thread.
pub fn check(url: &str, allow: &Allow) -> Option<Refusal> {
    let host = url_host(url)?;
    if let Some(r) = refusal(host, allow) {
        return Some(r);
    }
    if host_literal(host).is_some() || allow.allows_name(host) {
        return None;
    }
    let addrs = (host, 443).to_socket_addrs().ok()?;
    addrs.into_iter().find_map(|a| resolved_refusal(host, a.ip(), allow))
}
