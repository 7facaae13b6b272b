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
