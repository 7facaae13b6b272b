//! Unit tests of `persistence::customers::name_index`, kept in the one test binary so that `make test`
//! does not compile the persistence crate a second time with `cfg(test)`.

use persistence::customers::name_index::*;

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

/// A key made only of common grams falls back to its neighbours in key
/// order: the near twin written last is found, where the first 50 customers
/// sharing its first two characters (in id order) held no look-alike.
#[test]
fn a_key_of_common_grams_finds_its_sorted_neighbour() {
    use diesel::prelude::*;

    let app = crm_tests::TestApp::spawn();
    let target = app.db(|conn| {
        for (name, key, rev) in [
            (
                "'甲乙' || (i + 1000) || '丙丁'",
                "'甲乙' || (i + 1000) || '丙丁'",
                "'丁丙' || (i + 1000) || '乙甲'",
            ),
            (
                "'丁乙丙' || (i + 1000)",
                "'丁乙丙' || (i + 1000)",
                "(i + 1000) || '丙乙丁'",
            ),
        ] {
            diesel::sql_query(format!(
                "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 310) \
                 INSERT INTO customers (name, name_key, name_key_rev, created_at, updated_at) \
                 SELECT {name}, {key}, {rev}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq"
            ))
            .execute(conn)
            .unwrap();
        }
        diesel::sql_query(
            "INSERT INTO customers (name, name_key, name_key_rev, created_at, updated_at) \
             VALUES ('甲乙丙丁', '甲乙丙丁', '丁丙乙甲', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )
        .execute(conn)
        .unwrap();
        diesel::sql_query("DELETE FROM settings WHERE name = 'name_grams_built'")
            .execute(conn)
            .unwrap();
        assert!(build_if_needed(conn).unwrap() >= 621);
        use persistence::schema::customers;
        customers::table
            .filter(customers::name_key.eq("甲乙丙丁"))
            .select(customers::id)
            .first::<i64>(conn)
            .unwrap()
    });
    // 甲乙, 乙丙 and 丙丁 are each held by 311 customers, 丁丁 by none
    let common = CommonGrams::default();
    let found = app.db(|conn| similar_candidates(conn, "甲乙丙丁丁", &common).unwrap());
    assert!(
        found.iter().any(|c| c.id == target),
        "{:?}",
        found.iter().map(|c| &c.name_key).collect::<Vec<_>>()
    );
    assert!(found.len() <= 50, "{}", found.len());
    // the three common grams are remembered, and the next look-up, which
    // counts only 丁丁, finds the same
    assert_eq!(common.known(), 3);
    let again = app.db(|conn| similar_candidates(conn, "甲乙丙丁丁", &common).unwrap());
    assert_eq!(
        again.iter().map(|c| c.id).collect::<Vec<_>>(),
        found.iter().map(|c| c.id).collect::<Vec<_>>()
    );
    // the reversed key's neighbours: a probe ending like the target
    let found = app.db(|conn| similar_candidates(conn, "乙甲乙丙丁", &common).unwrap());
    assert!(
        found.iter().any(|c| c.id == target),
        "{:?}",
        found.iter().map(|c| &c.name_key).collect::<Vec<_>>()
    );
}
