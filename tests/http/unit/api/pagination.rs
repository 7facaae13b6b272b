//! Unit tests of `api::pagination`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::pagination::*;
use serde_json::json;

#[test]
fn cursors_round_trip_only_for_their_sort() {
    let by_name = Sort {
        field: "name",
        descending: false,
    };
    let c = encode_cursor(&by_name, json!("张三"), 7);
    assert_eq!(
        decode_cursor(Some(&c), &by_name).expect("valid"),
        Some(Position {
            key: json!("张三"),
            id: 7
        })
    );
    let by_name_desc = Sort {
        field: "name",
        descending: true,
    };
    assert!(decode_cursor(Some(&c), &by_name_desc).is_err());
    assert!(decode_cursor(Some("garbage!"), &by_name).is_err());
    assert_eq!(decode_cursor(None, &by_name).expect("none"), None);
}

#[test]
fn sorts_are_checked_against_the_list() {
    let s = parse_sort(Some("-name"), &["id", "name"]).expect("ok");
    assert_eq!(
        s,
        Sort {
            field: "name",
            descending: true
        }
    );
    assert_eq!(parse_sort(None, &["id", "name"]).expect("ok").field, "id");
    assert!(parse_sort(Some("password_hash"), &["id", "name"]).is_err());
}
