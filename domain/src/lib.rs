//! Pure business rules of the sales-management API.
//!
//! Nothing in this crate performs I/O or reads the clock: facts come in as
//! arguments (including `now`), decisions come out as values. `persistence`
//! loads the facts and writes the decisions; `api` translates them to HTTP.

pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod commissions;
pub mod contracts;
pub mod custom_fields;
pub mod customer;
pub mod dedup;
pub mod events;
pub mod guard;
pub mod leads;
pub mod mask;
pub mod merge;
pub mod money;
pub mod org;
pub mod outbound;
pub mod page;
pub mod pipeline;
pub mod pool;
pub mod problem;
pub mod products;
pub mod reports;
pub mod scope;
pub mod similar;
pub mod targets;
pub mod tasks;
pub mod throttle;
pub mod vocabulary;
