//! Rules of sign-in sessions and integration keys.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What is known of a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshFacts {
    pub expires_at: DateTime<Utc>,
    /// Set when the token was exchanged for a new one.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set when its family was revoked (logout, reuse, deactivation).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What to do with a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Valid: mark it rotated and issue a new one in the same family.
    Rotate,
    /// Already rotated: somebody replays a stolen or old token. Revoke the family.
    Reuse,
    /// The family was revoked before.
    Revoked,
    /// Too old.
    Expired,
}

/// OAuth 2.0 Security BCP (RFC 9700 section 4.14.2): refresh token rotation with
/// reuse detection.
pub fn decide_refresh(facts: RefreshFacts, now: DateTime<Utc>) -> RefreshDecision {
    if facts.revoked_at.is_some() {
        RefreshDecision::Revoked
    } else if facts.rotated_at.is_some() {
        RefreshDecision::Reuse
    } else if facts.expires_at <= now {
        RefreshDecision::Expired
    } else {
        RefreshDecision::Rotate
    }
}

/// What an integration key may do. Keys act for integrations, never as a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    #[serde(rename = "leads:write")]
    LeadsWrite,
    #[serde(rename = "leads:read")]
    LeadsRead,
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "departments:read")]
    DepartmentsRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 6] = [
        ApiScope::LeadsWrite,
        ApiScope::LeadsRead,
        ApiScope::CustomersRead,
        ApiScope::CustomersWrite,
        ApiScope::UsersRead,
        ApiScope::DepartmentsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::LeadsWrite => "leads:write",
            ApiScope::LeadsRead => "leads:read",
            ApiScope::CustomersRead => "customers:read",
            ApiScope::CustomersWrite => "customers:write",
            ApiScope::UsersRead => "users:read",
            ApiScope::DepartmentsRead => "departments:read",
        }
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}`")]
pub struct UnknownScope(pub String);

impl FromStr for ApiScope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiScope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

/// Parses a stored, space-separated scope list; unknown words (from a newer
/// version) are skipped rather than granting anything.
pub fn parse_scope_list(stored: &str) -> Vec<ApiScope> {
    let mut scopes: Vec<ApiScope> = stored.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

/// The stored form of a scope set: sorted, unique, space-separated.
pub fn format_scope_list(scopes: &[ApiScope]) -> String {
    let mut v = scopes.to_vec();
    v.sort_unstable();
    v.dedup();
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
            .single()
            .expect("valid time")
    }

    fn facts() -> RefreshFacts {
        RefreshFacts {
            expires_at: now() + Duration::days(30),
            rotated_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_fresh_token_rotates() {
        assert_eq!(decide_refresh(facts(), now()), RefreshDecision::Rotate);
    }

    #[test]
    fn a_rotated_token_presented_again_is_reuse() {
        let f = RefreshFacts {
            rotated_at: Some(now()),
            ..facts()
        };
        assert_eq!(decide_refresh(f, now()), RefreshDecision::Reuse);
    }

    #[test]
    fn revocation_wins_over_everything() {
        let f = RefreshFacts {
            rotated_at: Some(now()),
            revoked_at: Some(now()),
            expires_at: now() - Duration::days(1),
        };
        assert_eq!(decide_refresh(f, now()), RefreshDecision::Revoked);
    }

    #[test]
    fn an_expired_token_is_refused_at_its_expiry_instant() {
        let f = RefreshFacts {
            expires_at: now(),
            ..facts()
        };
        assert_eq!(decide_refresh(f, now()), RefreshDecision::Expired);
    }

    #[test]
    fn scopes_round_trip_and_unknown_words_grant_nothing() {
        for s in ApiScope::ALL {
            assert_eq!(s.as_str().parse::<ApiScope>(), Ok(s));
        }
        let stored = format_scope_list(&[ApiScope::UsersRead, ApiScope::LeadsWrite, ApiScope::UsersRead]);
        assert_eq!(stored, "leads:write users:read");
        assert_eq!(
            parse_scope_list("users:read  admin:all leads:write"),
            vec![ApiScope::LeadsWrite, ApiScope::UsersRead]
        );
    }
}
