//! Cryptographic pieces: argon2id password hashes, random tokens, SHA-256 of
//! high-entropy secrets, and HS256 access tokens pinned to one algorithm with
//! `iss` and `aud` checked (RFC 8725).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "crm";
pub const AUDIENCE: &str = "crm-api";
pub const MIN_SECRET_BYTES: usize = 32;

/// argon2id, OWASP parameters (19 MiB, 2 passes, 1 lane): the crate default.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real verification, so a login for an unknown
/// e-mail cannot be told apart by its latency.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// `n` random bytes from the OS, hex-encoded.
pub fn random_hex(n: usize) -> Result<String, String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness from the OS: {e}"))?;
    Ok(hex(&buf))
}

/// HMAC-SHA256 of `message` under `key`, in hex (webhook signatures).
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex(&hmac_sha256(key, message))
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    // any key length is valid for HMAC; new_from_slice cannot fail here
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The claims of an access token. `role` and `dept` tell a client who it
/// signed in as; the server never trusts them and reads the user's current
/// state instead. `tv` is the user's token version when it was issued.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<i64>,
    #[serde(default)]
    pub tv: i64,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Why an access token was refused, in words safe to show a client (the
/// library's own messages name its internals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired; refresh it")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

/// Leeway for clocks of several nodes, in seconds.
const LEEWAY_SECS: i64 = 5;

/// Signing and checking keys of access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Signs device tokens: derived from the secret, never the secret itself.
    device_key: Vec<u8>,
}

/// How long a device token names a client that signed in before.
pub const DEVICE_TOKEN_DAYS: i64 = 180;

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Result<JwtKeys, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the JWT secret has {} bytes; it needs at least {MIN_SECRET_BYTES}",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            device_key: hmac_sha256(secret, b"crm device tokens"),
        })
    }

    /// A device token for a client that just signed in as `email`
    /// (OWASP's device cookie): `<issued>.<nonce>.<signature>`, valid for
    /// [`DEVICE_TOKEN_DAYS`] and for that account only.
    pub fn device_token(&self, email: &str, now: DateTime<Utc>) -> Result<String, String> {
        let issued = now.timestamp();
        let nonce = random_hex(16)?;
        let sig = hmac_sha256_hex(&self.device_key, format!("{email}|{issued}|{nonce}").as_bytes());
        Ok(format!("{issued}.{nonce}.{sig}"))
    }

    /// The nonce of `token` when it is a device token this server issued for
    /// `email` within [`DEVICE_TOKEN_DAYS`]; `None` otherwise.
    pub fn known_device<'t>(&self, token: &'t str, email: &str, now: DateTime<Utc>) -> Option<&'t str> {
        let mut parts = token.splitn(3, '.');
        let (issued, nonce, sig) = (parts.next()?, parts.next()?, parts.next()?);
        let at: i64 = issued.parse().ok()?;
        let age = now.timestamp() - at;
        if !(-LEEWAY_SECS..=DEVICE_TOKEN_DAYS * 86_400).contains(&age) {
            return None;
        }
        let expected = hmac_sha256_hex(&self.device_key, format!("{email}|{issued}|{nonce}").as_bytes());
        (expected.len() == sig.len() && constant_time_eq(expected.as_bytes(), sig.as_bytes())).then_some(nonce)
    }

    pub fn issue(
        &self,
        user_id: i64,
        role: &str,
        dept: Option<i64>,
        token_version: i64,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<String, String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            dept,
            tv: token_version,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + ttl).timestamp(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Checks signature, algorithm, expiry, not-before, issuer and audience,
    /// and that the token was not issued in the future.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if claims.iat > now.timestamp() + LEEWAY_SECS {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}
