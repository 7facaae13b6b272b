//! Unit tests of `persistence::reports::histories`: a deal's stored path
//! reads back as its stage changes.

use chrono::{TimeZone, Utc};
use domain::reports::funnel::MoveFact;
use persistence::reports::stage_path::steps;

#[test]
fn a_path_reads_as_its_steps_and_a_broken_one_not_at_all() {
    let mut out = Vec::new();
    let path = "1,,2026-01-02 01:00:00,0;2,1,2026-01-05 01:00:00.250000,259200,3";
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
                activities: None,
            },
            MoveFact {
                deal_id: 7,
                from: Some(1),
                to: 2,
                at: Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap() + chrono::Duration::milliseconds(250),
                seconds_in_from: 259_200,
                activities: Some(3),
            },
        ]
    );
    for broken in [
        "",
        "1,,2026-01-02 01:00:00",
        "x,,2026-01-02 01:00:00,0",
        "1,,2026-01-02 01:00:00,0,9,1",
        "1,,2026-01-02 01:00:00,0,",
        "1,,2026-01-02 01:00:00,0,-1",
        "1,,2026-01-02 01:00:00,0,4294967296",
        "1,,yesterday,0",
        "1,,2026-01-02 01:00:00,0;",
        ";1,,2026-01-02 01:00:00,0",
        "1,,2026-01-02 01:00:00,",
        "1,-,2026-01-02 01:00:00,0",
        "1,,2026-01-02 01:00:00,0 ",
        "1,,2026-01-02 01:00:00,1234567890123456789",
    ] {
        assert_eq!(steps(7, broken, &mut Vec::new()), None, "{broken}");
    }
}

/// The parser the one above replaced (`str::split`, `str::parse`): the
/// oracle for the byte-by-byte one.
fn split_steps(deal: i64, path: &str) -> Option<Vec<MoveFact>> {
    let mut out = Vec::new();
    for step in path.split(';') {
        let mut fields = step.split(',');
        let to = fields.next()?.parse().ok()?;
        let from = match fields.next()? {
            "" => None,
            id => Some(id.parse().ok()?),
        };
        let at = persistence::stamp::parse_stored(fields.next()?)?.and_utc();
        let seconds_in_from = fields.next()?.parse().ok()?;
        let activities = match fields.next() {
            None => None,
            Some(n) => Some(n.parse().ok()?),
        };
        if fields.next().is_some() {
            return None;
        }
        out.push(MoveFact {
            deal_id: deal,
            from,
            to,
            at,
            seconds_in_from,
            activities,
        });
    }
    Some(out)
}

#[test]
fn paths_of_every_length_and_form_read_as_the_split_parser_reads_them() {
    let times = [
        "2026-01-02 01:00:00",
        "2026-01-02 01:00:00.5",
        "2026-12-31 23:59:59.123456",
        "2026-02-28T08:30:00",
        "2024-02-29 00:00:00.000001",
    ];
    let broken = ["2026-02-29 00:00:00", "2026-13-01 00:00:00"];
    let froms = ["", "1", "42", "9007199254740993"];
    let seconds = ["0", "259200", "-5", "86400000"];
    let (mut read_ok, mut refused) = (0, 0);
    for len in 1..=11 {
        for k in 0..40 {
            let path: Vec<String> = (0..len)
                .map(|i| {
                    // every fifth path has a date that is not one, midway
                    let t = if k % 5 == 4 && i == len / 2 {
                        broken[k % 2]
                    } else {
                        times[(k + i) % times.len()]
                    };
                    let (f, s) = (froms[(k / 3 + i) % froms.len()], seconds[(k + 2 * i) % seconds.len()]);
                    // most steps with the count of their stay's
                    // activities (migration 036), some without (before it)
                    match (k + i) % 3 {
                        0 => format!("{},{f},{t},{s}", 10 + i),
                        r => format!("{},{f},{t},{s},{}", 10 + i, (k * i + r) % 7),
                    }
                })
                .collect();
            let path = path.join(";");
            let mut out = Vec::new();
            let read = steps(3, &path, &mut out).map(|()| out);
            assert_eq!(read, split_steps(3, &path), "{path}");
            if read.is_some() {
                read_ok += 1;
            } else {
                refused += 1;
            }
        }
    }
    assert_eq!((read_ok, refused), (352, 88), "paths read and refused");
}
