//! Reports computed from the records (DESIGN.md sections 8 and 9): pure
//! functions over facts the store loads for the caller's scope and period.

pub mod customers;
pub mod forecast;
pub mod funnel;
pub mod ids;
pub mod kpi;
pub mod rankings;
pub mod work;

#[cfg(test)]
mod tests;
