//! Unit tests of `api::security`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::security::*;
use chrono::Utc;

#[test]
fn passwords_verify_only_themselves() {
    let h = hash_password("correct horse battery").expect("hash");
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    assert!(verify_password("correct horse battery", &h));
    assert!(!verify_password("correct horse batterY", &h));
    assert!(!verify_password("x", "not a hash"));
}

#[test]
fn tokens_round_trip_and_short_secrets_are_refused() {
    assert!(JwtKeys::new(b"short").is_err());
    let keys = JwtKeys::new(&[7u8; 32]).expect("keys");
    let now = Utc::now();
    let t = keys
        .issue(5, "rep", Some(2), 3, now, chrono::Duration::minutes(15))
        .expect("token");
    let c = keys.verify(&t, now).expect("valid");
    assert_eq!(
        (c.sub.as_str(), c.role.as_str(), c.dept, c.tv),
        ("5", "rep", Some(2), 3)
    );
    let other = JwtKeys::new(&[8u8; 32]).expect("keys");
    assert_eq!(other.verify(&t, now), Err(TokenError::Invalid));
    let old = keys
        .issue(
            5,
            "rep",
            None,
            0,
            now - chrono::Duration::minutes(16),
            chrono::Duration::minutes(15),
        )
        .expect("token");
    assert_eq!(keys.verify(&old, now), Err(TokenError::Expired));
    // a token dated a minute ahead (a forged or skewed issuer) is refused
    let ahead = keys
        .issue(
            5,
            "rep",
            None,
            0,
            now + chrono::Duration::minutes(1),
            chrono::Duration::minutes(15),
        )
        .expect("token");
    assert_eq!(keys.verify(&ahead, now), Err(TokenError::Invalid));
}

#[test]
fn hex_and_hashes() {
    assert_eq!(
        hmac_sha256_hex(b"key", b"The quick brown fox jumps over the lazy dog"),
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(random_hex(16).expect("random").len(), 32);
}

#[test]
fn device_tokens_name_one_account_for_180_days() {
    let keys = JwtKeys::new(b"a-secret-of-at-least-thirty-two-bytes!!").unwrap();
    let now = Utc::now();
    let token = keys.device_token("owner@example.com", now).unwrap();
    let nonce = token.split('.').nth(1).unwrap().to_owned();
    assert_eq!(
        keys.known_device(&token, "owner@example.com", now),
        Some(nonce.as_str())
    );
    let later = now + chrono::Duration::days(DEVICE_TOKEN_DAYS);
    assert!(keys.known_device(&token, "owner@example.com", later).is_some());
    assert!(
        keys.known_device(&token, "owner@example.com", later + chrono::Duration::days(1))
            .is_none()
    );
    assert!(
        keys.known_device(&token, "other@example.com", now).is_none(),
        "another account's"
    );
    let forged = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('0') { '1' } else { '0' }
    );
    assert!(
        keys.known_device(&forged, "owner@example.com", now).is_none(),
        "a forged signature"
    );
    for junk in ["", "1.2", "x.y.z", &format!("{}.{nonce}.00", now.timestamp())] {
        assert!(keys.known_device(junk, "owner@example.com", now).is_none(), "{junk}");
    }
    let other = JwtKeys::new(b"another-secret-of-at-least-32-bytes!!!!").unwrap();
    assert!(
        other.known_device(&token, "owner@example.com", now).is_none(),
        "another server's"
    );
}
