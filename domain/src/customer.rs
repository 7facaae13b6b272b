//! The vocabulary of customers (客户): words the rules and the store share.

use std::fmt;
use std::str::FromStr;

/// Customer grade (客户分级).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    /// 重点客户
    A,
    /// 普通客户 (the default)
    #[default]
    B,
    /// 非优先客户
    C,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::A, Grade::B, Grade::C];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored or sent value that names no grade.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a customer grade (A, B or C)")]
pub struct UnknownGrade(pub String);

impl FromStr for Grade {
    type Err = UnknownGrade;

    /// Fails on anything but `A`, `B` or `C`: an unknown stored value is a
    /// fault to report, never silently a `B`.
    fn from_str(s: &str) -> Result<Grade, UnknownGrade> {
        Grade::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| UnknownGrade(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_round_trip_and_unknown_values_fail() {
        for g in Grade::ALL {
            assert_eq!(g.as_str().parse::<Grade>(), Ok(g));
        }
        assert_eq!("a".parse::<Grade>(), Err(UnknownGrade("a".into())));
        assert!("".parse::<Grade>().is_err());
        assert_eq!(Grade::default(), Grade::B);
    }
}
