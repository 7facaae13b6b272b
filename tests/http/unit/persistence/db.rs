//! Unit tests of `persistence::db`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use persistence::db::*;

#[test]
fn urls_choose_the_backend() {
    assert_eq!(
        Backend::from_url("postgres://u:p@h/db"),
        Ok(Backend::Postgres {
            url: "postgres://u:p@h/db".into()
        })
    );
    assert_eq!(
        Backend::from_url("sqlite://data/crm.db"),
        Ok(Backend::Sqlite {
            path: "data/crm.db".into()
        })
    );
    assert_eq!(
        Backend::from_url("sqlite:x.db"),
        Ok(Backend::Sqlite { path: "x.db".into() })
    );
    assert_eq!(
        Backend::from_url("./x.db"),
        Ok(Backend::Sqlite { path: "./x.db".into() })
    );
    assert!(Backend::from_url("mysql://u@h/db").is_err());
    assert!(Backend::from_url("sqlite::memory:").is_err());
    assert!(Backend::from_url("").is_err());
}

#[test]
fn passwords_never_reach_messages() {
    assert_eq!(
        redact("postgres://crm:s3cret@db:5432/crm"),
        "postgres://crm:***@db:5432/crm"
    );
    assert_eq!(redact("postgres://crm@db/crm"), "postgres://crm@db/crm");
    let err = Backend::from_url("mysql://root:hunter2@h/db").err().unwrap_or_default();
    assert!(!err.contains("hunter2"), "{err}");
}
