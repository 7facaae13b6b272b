//! Unit tests of `api::export`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::export::*;

#[test]
fn cells_are_quoted_and_formulas_defused() {
    let mut out = Vec::new();
    csv_line(
        &mut out,
        ["a,b", "say \"hi\"", "=SUM(A1)", "-12.5", "plain"].into_iter(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "\"a,b\",\"say \"\"hi\"\"\",\"'=SUM(A1)\",-12.5,plain\r\n"
    );
}

#[test]
fn nested_fields_are_dotted_and_lists_joined() {
    let row = serde_json::json!({"owner": {"id": 3, "name": "李"}, "tags": ["a", "b"], "x": null});
    assert_eq!(cell(&row, "owner.name"), "李");
    assert_eq!(cell(&row, "tags"), "a;b");
    assert_eq!(cell(&row, "x"), "");
    assert_eq!(cell(&row, "missing.deep"), "");
}

#[test]
fn customer_columns_come_from_the_document() {
    let columns = columns_of(&api::openapi::spec_value(), "CustomerDto");
    for c in ["id", "name", "owner.id", "owner.name", "tags", "grade"] {
        assert!(columns.iter().any(|x| x == c), "{c} in {columns:?}");
    }
}
