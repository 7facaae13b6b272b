//! Unit tests of the persistence crate's helpers.

mod among;
mod db;
mod error;
mod group_commit;
mod histories;
mod name_index;
mod stamp;
mod statistics;
