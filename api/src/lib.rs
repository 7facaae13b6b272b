//! The REST/JSON API of the sales-management backend: routes, extractors,
//! errors as problem+json, and the OpenAPI document; `crm` is its binary.

pub mod bulk;
pub mod caller;
pub mod caps;
pub mod cli;
pub mod client;
pub mod config;
pub mod custom;
pub mod delivery;
pub mod doc_rules;
pub mod edge;
pub mod error;
pub mod export;
pub mod extract;
pub mod guard;
pub mod middleware;
pub mod openapi;
pub mod outbound;
pub mod pagination;
pub mod params;
pub mod responses;
pub mod route_table;
pub mod routes;
pub mod security;
pub mod shape;
pub mod startup;
pub mod state;
pub mod storage;
pub mod white_space;
pub mod wire;
pub mod words;

pub use config::Config;
pub use startup::Application;
