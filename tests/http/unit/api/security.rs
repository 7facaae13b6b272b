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
