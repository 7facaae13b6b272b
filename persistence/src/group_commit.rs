//! SQLite's writers share one connection and commit together (group commit).
//!
//! SQLite takes one writer at a time, and with `synchronous = FULL` every
//! commit waits for the disk (about 3 ms on the machine in
//! docs/benchmarks.md), so one transaction per write caps creates at a few
//! hundred a second whatever the CPU. Here the writers of this process queue,
//! in order, for one writer connection (so SQLite's busy handler is never the
//! arbiter), and each runs its operation in a savepoint of the transaction
//! that is open. The writer that finds nobody queued behind it (or the batch
//! full, or old) commits for everyone in the batch.
//!
//! What callers keep: an operation's answer waits for its batch's commit, so
//! nothing is acknowledged before it is on disk; an operation that fails (or
//! panics) rolls back to its savepoint and leaves the others' work alone; a
//! failed commit fails every operation of its batch, none of which is then
//! stored. Operations in one batch see the earlier ones' rows, as they would
//! after separate commits in the same order.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::RepoError;
use crate::conn::{Backend, DbConn};

/// A batch commits once it holds this many operations, even with writers queued.
const MOST_IN_A_BATCH: usize = 64;
/// ... or once it has been open this long, so a steady queue still commits.
const LONGEST_OPEN: Duration = Duration::from_millis(25);
/// Failed commits remembered for the waiters of their batch.
const FAILURES_KEPT: usize = 32;

#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    finished: Condvar,
    /// Writers waiting for `state`: while any is, the batch stays open for it.
    queued: AtomicUsize,
}

#[derive(Default)]
struct State {
    /// The writer connection, opened on first use and after a failure.
    conn: Option<DbConn>,
    open: Option<Batch>,
    /// Number the next batch gets.
    next: u64,
    /// Every batch numbered below this has committed or failed.
    done: u64,
    /// Recent batches whose commit failed, with the reason.
    failed: VecDeque<(u64, String)>,
}

struct Batch {
    number: u64,
    operations: usize,
    since: Instant,
}

fn db_error(reason: String) -> RepoError {
    RepoError::Db(DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(reason)))
}

impl GroupCommit {
    /// How many batches have been opened (each commits once): fewer than the
    /// writes when writers shared commits.
    pub fn batches(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.next)
    }

    /// Runs `f` inside the open batch (opening one if none is), then commits
    /// the batch or waits until another writer has. See the module comment.
    pub fn write<T, E: From<RepoError>>(
        &self,
        backend: &Backend,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let number = self.join(&mut state, backend)?;
        let Some(DbConn::Sqlite(c)) = state.conn.as_mut() else {
            return Err(self
                .abort(&mut state, number, "the writer connection is not SQLite".into())
                .into());
        };
        if let Err(e) = AnsiTransactionManager::begin_transaction(c) {
            return Err(self.abort(&mut state, number, e.to_string()).into());
        }
        let Some(conn) = state.conn.as_mut() else {
            return Err(self
                .abort(&mut state, number, "the writer connection is gone".into())
                .into());
        };
        let result = match catch_unwind(AssertUnwindSafe(|| f(conn))) {
            Ok(r) => r,
            Err(panic) => {
                let _ = self.abort(&mut state, number, "an operation of this batch panicked".into());
                drop(state);
                resume_unwind(panic);
            }
        };
        let ended = match (&result, state.conn.as_mut()) {
            (Ok(_), Some(DbConn::Sqlite(c))) => {
                AnsiTransactionManager::commit_transaction(c).map_err(|e| e.to_string())
            }
            (Err(_), Some(DbConn::Sqlite(c))) => {
                AnsiTransactionManager::rollback_transaction(c).map_err(|e| e.to_string())
            }
            _ => Err("the writer connection is gone".into()),
        };
        if let Err(reason) = ended {
            return Err(self.abort(&mut state, number, reason).into());
        }
        let full = state.open.as_mut().is_none_or(|b| {
            b.operations += 1;
            b.operations >= MOST_IN_A_BATCH || b.since.elapsed() >= LONGEST_OPEN
        });
        if full || self.queued.load(Ordering::SeqCst) == 0 {
            return match self.commit(&mut state, number) {
                Ok(()) => result,
                Err(e) => Err(e.into()),
            };
        }
        let value = result?; // a failed one rolled back to its savepoint: nothing of it to commit
        while state.done <= number {
            state = self.finished.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        match state.failed.iter().find(|(n, _)| *n == number) {
            Some((_, reason)) => Err(db_error(reason.clone()).into()),
            None => Ok(value),
        }
    }

    /// The number of the open batch, beginning one (and opening the
    /// connection) when none is open.
    fn join(&self, state: &mut MutexGuard<'_, State>, backend: &Backend) -> Result<u64, RepoError> {
        if let Some(b) = &state.open {
            return Ok(b.number);
        }
        if state.conn.is_none() {
            state.conn = Some(backend.connect().map_err(db_error)?);
        }
        let begun = match state.conn.as_mut() {
            Some(DbConn::Sqlite(c)) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
            _ => return Err(db_error("the writer connection is not SQLite".into())),
        };
        if let Err(e) = begun {
            state.conn = None; // whatever state it is in, start afresh
            return Err(e.into());
        }
        let number = state.next;
        state.next += 1;
        state.open = Some(Batch {
            number,
            operations: 0,
            since: Instant::now(),
        });
        Ok(number)
    }

    fn commit(&self, state: &mut MutexGuard<'_, State>, number: u64) -> Result<(), RepoError> {
        let committed = match state.conn.as_mut() {
            Some(DbConn::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c).map_err(|e| e.to_string()),
            _ => Err("the writer connection is gone".into()),
        };
        match committed {
            Ok(()) => {
                self.finish(state, number, None);
                Ok(())
            }
            Err(reason) => Err(self.abort(state, number, reason)),
        }
    }

    /// Ends batch `number` without storing any of it: the connection is
    /// dropped (SQLite rolls back what it had open) and reopened by the next
    /// writer; every operation of the batch answers the error.
    fn abort(&self, state: &mut MutexGuard<'_, State>, number: u64, reason: String) -> RepoError {
        log::error!("a write batch of SQLite was rolled back: {reason}");
        state.conn = None;
        self.finish(state, number, Some(reason.clone()));
        db_error(reason)
    }

    fn finish(&self, state: &mut MutexGuard<'_, State>, number: u64, failure: Option<String>) {
        state.open = None;
        state.done = number + 1;
        if let Some(reason) = failure {
            if state.failed.len() == FAILURES_KEPT {
                state.failed.pop_front();
            }
            state.failed.push_back((number, reason));
        }
        self.finished.notify_all();
    }
}
