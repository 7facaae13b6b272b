//! Unit tests of the api crate's helpers (pure functions, no server).

mod client;
mod config;
mod delivery;
mod doc_rules;
mod edge;
mod error;
mod error_zh;
mod export;
mod extract;
mod guard;
mod middleware;
mod openapi;
mod pagination;
mod params;
mod security;
mod shape;
mod startup;
mod storage;
mod wire;
mod words;
