//! Unit tests of `persistence::name_index`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use persistence::name_index::*;

#[test]
fn gram_lists_are_json() {
    let items = [
        "字节".to_owned(),
        "a\"b".to_owned(),
        "c\\d".to_owned(),
        "\u{1}".to_owned(),
    ];
    assert_eq!(json_array(&items), r#"["字节","a\"b","c\\d","\u0001"]"#);
    assert_eq!(json_array(&[]), "[]");
}
