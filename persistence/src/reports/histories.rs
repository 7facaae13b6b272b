//! The funnel's stage histories, fed to its tally one deal at a time. Read
//! from `deal_paths` (one row a deal, its whole history in one text; see
//! the migration `deal_paths`), a year over a million deals decodes a
//! million rows of two columns instead of three million of five; those rows
//! need no order, each holds a whole deal. Or read from `stage_changes`,
//! the record the paths are kept from (the tests' oracle). A path is parsed
//! where the database holds its text ([`Path`]).

use chrono::{DateTime, Utc};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Timestamp};
use domain::reports::funnel::{FunnelTally, MoveFact};

use super::CHUNK;
use super::stage_path::Path;
use crate::conn::MultiBackend;
use crate::schema::{deal_paths, stage_changes};
use crate::stamp::Stamp;
use crate::{DbConn, RepoError, naive};

type MoveRow = (i64, Option<i64>, i64, Stamp, i64);

/// Deals per range read in one pass.
const WINDOW: usize = 100_000;

/// Feeds the stage histories since `from` of the deals `ids` (sorted) to
/// `tally`, one deal at a time: looked up `by_deal`, or read in id ranges.
pub(super) fn paths(
    conn: &mut DbConn,
    ids: &[i64],
    from: DateTime<Utc>,
    by_deal: bool,
    tally: &mut FunnelTally,
) -> Result<(), RepoError> {
    let mut feed = |(id, path): (i64, Path)| -> Result<(), RepoError> {
        let mut deal = path.of(id)?;
        deal.retain(|m| m.at >= from);
        // stored in the order the changes were; a stable sort keeps it for
        // changes of the same instant
        deal.sort_by_key(|m| m.at);
        tally.moves(&deal);
        Ok(())
    };
    // only deals whose stage changed since `from`: the others have nothing
    // to tell this funnel (on SQLite, `+` keeps the column's NUMERIC
    // affinity off the comparison, as in `changes`)
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let read = || {
        let q = deal_paths::table
            .select((deal_paths::opportunity_id, deal_paths::path))
            .into_boxed::<MultiBackend>();
        if sqlite {
            q.filter(sql::<Bool>("+deal_paths.last_at >= ").bind::<Timestamp, _>(naive(from)))
        } else {
            q.filter(deal_paths::last_at.ge(naive(from)))
        }
    };
    if by_deal {
        for chunk in ids.chunks(CHUNK) {
            let rows = read()
                .filter(deal_paths::opportunity_id.eq_any(chunk))
                .load_iter::<(i64, Path), DefaultLoadingMode>(conn)?;
            for row in rows {
                feed(row?)?;
            }
        }
        return Ok(());
    }
    for window in windows(ids) {
        let rows = read()
            .filter(deal_paths::opportunity_id.between(window.first, window.last))
            .load_iter::<(i64, Path), DefaultLoadingMode>(conn)?;
        for row in rows {
            let row = row?;
            if window.holds(row.0) {
                feed(row)?;
            }
        }
    }
    Ok(())
}

/// A range of the deal ids read in one pass, and the ids it holds.
struct Window<'a> {
    first: i64,
    last: i64,
    ids: &'a [i64],
    /// Every id of the range is in `ids` (no deal left out): no search.
    whole: bool,
}

impl Window<'_> {
    fn holds(&self, id: i64) -> bool {
        self.whole || self.ids.binary_search(&id).is_ok()
    }
}

/// `ids` (sorted) in ranges of [`WINDOW`] deals.
fn windows(ids: &[i64]) -> impl Iterator<Item = Window<'_>> {
    ids.chunks(WINDOW).filter_map(|ids| {
        let (first, last) = (*ids.first()?, *ids.last()?);
        let whole = usize::try_from(last - first).is_ok_and(|span| span + 1 == ids.len());
        Some(Window {
            first,
            last,
            ids,
            whole,
        })
    })
}

/// Feeds the stage histories since `from` of the deals `ids` (sorted) to
/// `tally`, one deal at a time: looked up `by_deal`, or read in id ranges.
pub(super) fn changes(
    conn: &mut DbConn,
    ids: &[i64],
    from: DateTime<Utc>,
    by_deal: bool,
    tally: &mut FunnelTally,
) -> Result<(), RepoError> {
    let history = || {
        stage_changes::table
            .select((
                stage_changes::opportunity_id,
                stage_changes::from_stage_id,
                stage_changes::to_stage_id,
                stage_changes::changed_at,
                stage_changes::seconds_in_from,
            ))
            .order((stage_changes::opportunity_id, stage_changes::changed_at))
            .into_boxed::<MultiBackend>()
    };
    let since = stage_changes::changed_at.ge(naive(from));
    let mut deal: Vec<MoveFact> = Vec::new();
    let mut feed = |row: MoveRow| {
        let (deal_id, from, to, at, seconds_in_from) = row;
        if deal.last().is_some_and(|m| m.deal_id != deal_id) {
            tally.moves(&deal);
            deal.clear();
        }
        deal.push(MoveFact {
            deal_id,
            from,
            to,
            at: at.utc(),
            seconds_in_from,
            activities: None,
        });
    };
    if by_deal {
        for chunk in ids.chunks(CHUNK) {
            let rows = history()
                .filter(since)
                .filter(stage_changes::opportunity_id.eq_any(chunk))
                .load_iter::<MoveRow, DefaultLoadingMode>(conn)?;
            for row in rows {
                feed(row?);
            }
        }
    } else {
        // a range of deal ids at a time: in deal order from the covering
        // index, and a bounded result (PostgreSQL buffers a whole one)
        let sqlite = matches!(conn, DbConn::Sqlite(_));
        for window in windows(ids) {
            let mut rows = history().filter(stage_changes::opportunity_id.between(window.first, window.last));
            rows = if sqlite {
                // `+` takes the column's NUMERIC affinity off the comparison:
                // with it SQLite tried to read the bound text as a number on
                // every row (sqlite3AtoF), a third of the scan's time. The
                // index leads with the deal id, so it never served this test.
                rows.filter(sql::<Bool>("+stage_changes.changed_at >= ").bind::<Timestamp, _>(naive(from)))
            } else {
                rows.filter(since)
            };
            let rows = rows.load_iter::<MoveRow, DefaultLoadingMode>(conn)?;
            for row in rows {
                let row = row?;
                if window.holds(row.0) {
                    feed(row);
                }
            }
        }
    }
    if !deal.is_empty() {
        tally.moves(&deal);
    }
    Ok(())
}
