//! Guarding the customer list from a leaving rep: per-user daily caps on
//! customer records read in detail and rows exported, set by an admin per
//! role. A cap is a count per organisation day; `None` means no cap.

use serde::{Deserialize, Serialize};

use crate::org::Role;

/// What a cap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// `GET /customers/{id}`.
    DetailRead,
    /// Rows of any export.
    ExportRow,
}

impl Counted {
    pub fn as_str(self) -> &'static str {
        match self {
            Counted::DetailRead => "detail_read",
            Counted::ExportRow => "export_row",
        }
    }

    /// The setting that caps it, as named in answers.
    pub fn setting(self) -> &'static str {
        match self {
            Counted::DetailRead => "detail_reads_per_day",
            Counted::ExportRow => "export_rows_per_day",
        }
    }
}

/// Caps for one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Caps {
    pub detail_reads_per_day: Option<u32>,
    pub export_rows_per_day: Option<u32>,
}

/// The organisation's caps: reps capped by default, managers not; admins never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuardSettings {
    pub rep: Caps,
    pub manager: Caps,
}

impl Default for GuardSettings {
    fn default() -> Self {
        GuardSettings {
            rep: Caps {
                detail_reads_per_day: Some(500),
                export_rows_per_day: Some(5_000),
            },
            manager: Caps::default(),
        }
    }
}

impl GuardSettings {
    /// The cap on `what` for a user of `role`, if any.
    pub fn cap(&self, role: Role, what: Counted) -> Option<u32> {
        let caps = match role {
            Role::Admin => return None,
            Role::Manager => self.manager,
            Role::Rep => self.rep,
        };
        match what {
            Counted::DetailRead => caps.detail_reads_per_day,
            Counted::ExportRow => caps.export_rows_per_day,
        }
    }
}

/// How many of `wanted` may still be taken today when `used` are taken.
pub fn allowance(cap: Option<u32>, used: u64, wanted: u64) -> u64 {
    match cap {
        None => wanted,
        Some(cap) => wanted.min(u64::from(cap).saturating_sub(used)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reps_are_capped_by_default_admins_never() {
        let g = GuardSettings::default();
        assert_eq!(g.cap(Role::Rep, Counted::DetailRead), Some(500));
        assert_eq!(g.cap(Role::Rep, Counted::ExportRow), Some(5_000));
        assert_eq!(g.cap(Role::Manager, Counted::ExportRow), None);
        let strict = GuardSettings {
            rep: Caps::default(),
            manager: Caps {
                detail_reads_per_day: Some(1),
                export_rows_per_day: Some(1),
            },
        };
        assert_eq!(strict.cap(Role::Admin, Counted::ExportRow), None);
        assert_eq!(strict.cap(Role::Manager, Counted::DetailRead), Some(1));
    }

    #[test]
    fn the_allowance_stops_at_the_cap() {
        assert_eq!(allowance(Some(10), 0, 4), 4);
        assert_eq!(allowance(Some(10), 8, 4), 2);
        assert_eq!(allowance(Some(10), 12, 4), 0);
        assert_eq!(allowance(None, 1_000_000, 4), 4);
    }

    proptest! {
        #[test]
        fn what_is_allowed_never_passes_the_cap(cap in 0u32..10_000, used in 0u64..20_000, wanted in 0u64..20_000) {
            let a = allowance(Some(cap), used, wanted);
            prop_assert!(a <= wanted);
            prop_assert!(used + a <= u64::from(cap).max(used));
        }
    }
}
