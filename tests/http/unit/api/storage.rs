//! Unit tests of `api::storage`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::storage::*;

#[test]
fn a_blob_round_trips_and_keys_stay_inside() {
    let root = std::env::temp_dir().join(format!("crm-blobs-{}", std::process::id()));
    let store = LocalDisk::new(&root);
    store.put("0123456789abcdef", b"hello").map_err(|e| e.to_string()).ok();
    assert_eq!(store.get("0123456789abcdef").ok().as_deref(), Some(&b"hello"[..]));
    assert!(store.delete("0123456789abcdef").is_ok());
    assert!(store.delete("0123456789abcdef").is_ok(), "deleting twice is fine");
    assert!(store.get("0123456789abcdef").is_err());
    assert!(store.put("../../etc/passwd", b"x").is_err());
    assert!(store.get("ab").is_err());
    let _ = std::fs::remove_dir_all(root);
}
