//! Masking contact details (电话、邮箱、微信脱敏) for people who may see a record
//! but not work it: a rep sees a pool or shared customer's phone as
//! `138****8000`, so a leaving rep cannot walk away with the list.

use crate::scope::DataScope;

/// Keeps the first three and last four digits-or-characters of a phone;
/// anything shorter than eight characters is hidden whole.
pub fn phone(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Keeps the first character of the local part and the domain.
pub fn email(raw: &str) -> String {
    match raw.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Keeps the first and last character of a chat handle (微信号); anything
/// shorter than four characters is hidden whole.
pub fn handle(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    match chars.as_slice() {
        [first, .., last] if chars.len() >= 4 => format!("{first}****{last}"),
        _ => "****".to_owned(),
    }
}

/// Whose records a caller sees masked, decided once from their scope, so a
/// read can hand the decision to its caller without the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    /// Managers and admins see everything in their scope in full.
    Nothing,
    /// A rep sees their own records in full; pool and shared ones masked.
    AllButOwnedBy(i64),
}

impl Masking {
    pub fn of(scope: &DataScope) -> Masking {
        match scope {
            DataScope::Own { user_id } => Masking::AllButOwnedBy(*user_id),
            _ => Masking::Nothing,
        }
    }

    /// Is a record owned by `owner` (`None`: the pool) shown masked?
    pub fn masks(self, owner: Option<i64>) -> bool {
        match self {
            Masking::Nothing => false,
            Masking::AllButOwnedBy(user) => owner != Some(user),
        }
    }
}

/// Does a caller with `scope` see a record owned by `owner` only masked?
pub fn masked_for(scope: &DataScope, owner: Option<i64>) -> bool {
    Masking::of(scope).masks(owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_and_emails_are_masked_as_users_expect() {
        assert_eq!(phone("13800008000"), "138****8000");
        assert_eq!(phone("+86 138 0000 8000"), "+86****8000");
        assert_eq!(phone("12345"), "*****");
        assert_eq!(email("li.lei@example.com"), "l***@example.com");
        assert_eq!(email("nonsense"), "***");
        assert_eq!(handle("wxid_lilei88"), "w****8");
        assert_eq!(handle("abc"), "****");
        let rep = DataScope::Own { user_id: 5 };
        assert!(!masked_for(&rep, Some(5)) && masked_for(&rep, Some(6)) && masked_for(&rep, None));
        assert!(!masked_for(&DataScope::All, Some(6)));
    }

    proptest! {
        #[test]
        /// However long the number, at most seven of its characters show.
        fn a_masked_phone_shows_only_its_ends(digits in "[0-9]{8,20}") {
            let m = phone(&digits);
            prop_assert_eq!(m.len(), 11);
            prop_assert_eq!(&m[..3], &digits[..3]);
            prop_assert_eq!(&m[3..7], "****");
            prop_assert_eq!(&m[7..], &digits[digits.len() - 4..]);
        }
    }
}
