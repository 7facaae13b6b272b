//! Black-box HTTP tests, one binary: each test starts its own server over its
//! own database (SQLite by default, PostgreSQL with `CRM_TEST_BACKEND=postgres`).

#![allow(clippy::unwrap_used)]

mod activities;
mod announcements;
mod api_keys;
mod attachments;
mod auth;
mod bulk;
mod caps;
mod commissions;
mod contract_invariants;
mod contracts;
mod custom_fields;
mod customer_scope;
mod customers;
mod dictionaries;
mod directory;
mod edge;
mod errors;
mod hostile_input;
mod idempotency;
mod leads;
mod leak_matrix;
mod malloc;
mod money_limits;
mod nodes;
mod opportunities;
mod org;
mod pool;
mod reports;
mod request_heads;
mod schema_contract;
mod similar_names;
mod slow_clients;
mod spec;
mod statements;
mod targets;
mod tasks;
mod team;
mod token_state;
mod unit;
mod webhooks;
mod work_reports;
mod workbench;
