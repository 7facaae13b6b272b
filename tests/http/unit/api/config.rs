//! Unit tests of `api::config`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::config::*;

#[test]
fn debug_output_hides_secrets() {
    let c = Config {
        database_url: "postgres://crm:db-pass-123@db/crm".into(),
        read_database_url: Some("postgres://crm:replica-pass-789@standby/crm".into()),
        jwt_secret: Some("jwt-secret-that-is-long-enough-1234567".into()),
        admin_password: Some("admin-pass-456".into()),
        ..Config::default()
    };
    let text = format!("{c:?}");
    for secret in ["db-pass-123", "replica-pass-789", "jwt-secret-that", "admin-pass-456"] {
        assert!(!text.contains(secret), "{secret} shows in {text}");
    }
    assert!(text.contains("postgres://crm:***@db/crm"), "{text}");
}

#[test]
fn defaults_and_overrides() {
    let c = Config::from_lookup(|_| None).expect("defaults");
    assert_eq!(
        (c.bind.as_str(), c.database_url.as_str()),
        (DEFAULT_BIND, DEFAULT_DATABASE_URL)
    );
    let c = Config::from_lookup(|n| (n == "CRM_BIND").then(|| "0.0.0.0:9000".to_owned())).expect("bind");
    assert_eq!(c.bind, "0.0.0.0:9000");
    let e = Config::from_lookup(|n| (n == "CRM_DB_POOL").then(|| "many".to_owned())).err();
    assert_eq!(e.as_deref(), Some("CRM_DB_POOL=`many` is not a number"));
}
