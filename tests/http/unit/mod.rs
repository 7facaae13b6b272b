//! Unit tests of the api and persistence crates' helpers, in the HTTP test
//! binary: each crate is compiled once by `make test` (no `cfg(test)` build).

mod api;
mod circles;
mod persistence;
