//! Unit tests of `persistence::error`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use persistence::error::*;

#[test]
fn both_backends_names_map_to_one_rule() {
    for (text, rule) in [
        ("customers_name_key_live", Constraint::CustomerName),
        ("UNIQUE constraint failed: customers.name_key", Constraint::CustomerName),
        ("customers_credit_code_live", Constraint::CustomerCreditCode),
        ("UNIQUE constraint failed: users.email", Constraint::UserEmail),
        (
            "UNIQUE constraint failed: index 'departments_sibling_name_unique'",
            Constraint::DepartmentName,
        ),
        ("idempotency_keys_unique", Constraint::IdempotencyKey),
    ] {
        assert_eq!(Constraint::from_db(text), rule, "{text}");
    }
    assert_eq!(Constraint::from_db("x_unique"), Constraint::Other("x_unique".into()));
}
