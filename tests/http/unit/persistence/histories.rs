//! Unit tests of `persistence::reports::histories`: a deal's stored path
//! reads back as its stage changes.

use chrono::{TimeZone, Utc};
use domain::reports::funnel::MoveFact;
use persistence::reports::histories::steps;

#[test]
fn a_path_reads_as_its_steps_and_a_broken_one_not_at_all() {
    let mut out = Vec::new();
    let path = "1,,2026-01-02 01:00:00,0;2,1,2026-01-05 01:00:00.250000,259200";
    assert_eq!(steps(7, path, &mut out), Some(()));
    assert_eq!(
        out,
        vec![
            MoveFact {
                deal_id: 7,
                from: None,
                to: 1,
                at: Utc.with_ymd_and_hms(2026, 1, 2, 1, 0, 0).unwrap(),
                seconds_in_from: 0,
            },
            MoveFact {
                deal_id: 7,
                from: Some(1),
                to: 2,
                at: Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap() + chrono::Duration::milliseconds(250),
                seconds_in_from: 259_200,
            },
        ]
    );
    for broken in [
        "",
        "1,,2026-01-02 01:00:00",
        "x,,2026-01-02 01:00:00,0",
        "1,,2026-01-02 01:00:00,0,9",
        "1,,yesterday,0",
    ] {
        assert_eq!(steps(7, broken, &mut Vec::new()), None, "{broken}");
    }
}
