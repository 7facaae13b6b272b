//! Reports computed from the records (DESIGN.md sections 8 and 9): pure
//! functions over facts the store loads for the caller's scope and period.

pub mod competition;
pub mod customers;
pub mod forecast;
pub mod funnel;
pub mod ids;
pub mod kpi;
pub mod rankings;
pub mod work;

/// Whether an amount stored in `stored` currency counts in a report summed
/// in `report` currency: the same code, whatever the case or surrounding
/// spaces. Amounts in another currency are left out of a report's sums (the
/// records still count).
pub fn same_currency(stored: &str, report: &str) -> bool {
    stored.trim().eq_ignore_ascii_case(report.trim())
}

#[cfg(test)]
mod tests;
