//! Unit tests of `api::startup`'s defaults.

use api::startup::default_pg_pool;

#[test]
fn the_postgres_pool_follows_the_cores_within_bounds() {
    assert_eq!(default_pg_pool(0), 4);
    assert_eq!(default_pg_pool(1), 4);
    assert_eq!(default_pg_pool(2), 8);
    assert_eq!(default_pg_pool(6), 24);
    assert_eq!(default_pg_pool(64), 32);
    assert_eq!(default_pg_pool(usize::MAX), 32);
}
