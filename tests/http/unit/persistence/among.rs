//! Unit tests of `persistence::among`: `column IN (ids)` with the ids as one
//! parameter, on the backend the suite runs on.

use crm_tests::TestApp;
use diesel::prelude::*;
use persistence::among::among;
use persistence::schema::users;

#[test]
fn among_finds_exactly_the_listed_ids_and_its_statement_does_not_depend_on_how_many() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let ids: Vec<i64> = (0..3)
        .map(|i| app.create_user(&admin, &format!("among{i}@example.com"), "rep", None))
        .collect();
    let found = |wanted: &[i64]| -> Vec<i64> {
        app.db(|conn| {
            users::table
                .filter(among(users::id, wanted))
                .order(users::id)
                .select(users::id)
                .load::<i64>(conn)
                .unwrap()
        })
    };
    assert_eq!(found(&[]), Vec::<i64>::new());
    assert_eq!(found(&[ids[1]]), vec![ids[1]]);
    assert_eq!(found(&[ids[2], ids[0], -5, ids[2]]), vec![ids[0], ids[2]]);
    assert_eq!(found(&ids), ids);
    // one statement text for any number of ids: the cache keeps one
    let text = |wanted: &[i64]| {
        let q = users::table.filter(among(users::id, wanted)).select(users::id);
        (
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&q).to_string(),
            diesel::debug_query::<diesel::pg::Pg, _>(&q).to_string(),
        )
    };
    let (one, many) = (text(&[1]), text(&[1, 2, 3, 4]));
    let sql = |s: &str| s.split(" -- binds").next().unwrap_or_default().to_owned();
    assert_eq!(sql(&one.0), sql(&many.0));
    assert_eq!(sql(&one.1), sql(&many.1));
    assert!(one.0.contains("json_each(?)"), "{}", one.0);
    assert!(one.1.contains("= ANY($1)"), "{}", one.1);
}

#[test]
fn among_texts_finds_exactly_the_listed_texts_whatever_they_hold() {
    use diesel::query_builder::QueryId;
    use persistence::schema::customer_name_grams as g;

    let app = TestApp::spawn();
    let texts = ["公司", "a\"b", "back\\slash", "tab\there", "plain"];
    app.db(|conn| {
        for (i, t) in texts.iter().enumerate() {
            diesel::insert_into(g::table)
                .values((g::gram.eq(*t), g::customer_id.eq(i as i64 + 1)))
                .execute(conn)
                .unwrap();
        }
    });
    let found = |wanted: &[&str]| -> Vec<i64> {
        let wanted: Vec<String> = wanted.iter().map(|s| (*s).to_owned()).collect();
        app.db(|conn| {
            g::table
                .filter(among(g::gram, &wanted))
                .order(g::customer_id)
                .select(g::customer_id)
                .load::<i64>(conn)
                .unwrap()
        })
    };
    assert_eq!(found(&[]), Vec::<i64>::new());
    assert_eq!(found(&["公司"]), vec![1]);
    assert_eq!(found(&["a\"b", "back\\slash", "tab\there", "absent"]), vec![2, 3, 4]);
    assert_eq!(found(&texts), vec![1, 2, 3, 4, 5]);
    // cached by the column's type: the statement text never depends on the items
    const {
        assert!(<persistence::among::Among<g::gram, String> as QueryId>::HAS_STATIC_QUERY_ID);
        assert!(<persistence::among::Among<users::id> as QueryId>::HAS_STATIC_QUERY_ID);
    }
}
