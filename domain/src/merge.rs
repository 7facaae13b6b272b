//! Merging a duplicate customer into the one that stays (合并客户): which of
//! the duplicate's details the survivor takes, its tags, its first win.

use chrono::NaiveDate;

/// The details of a customer that a merge may carry over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeFacts {
    pub credit_code: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    /// A deal was won on it (成交).
    pub dealt: bool,
}

/// What the survivor takes from the duplicate: each `Some` fills a detail
/// the survivor lacks; nothing it has is overwritten.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeFill {
    pub credit_code: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    /// The survivor becomes dealt (the duplicate was, the survivor was not).
    pub dealt: bool,
}

/// The survivor fills its empty credit code, phone and e-mail (with their
/// keys) from the duplicate, and is dealt if either was.
pub fn fill(survivor: &MergeFacts, loser: &MergeFacts) -> MergeFill {
    let take = |mine: &Option<String>, theirs: &Option<String>| if mine.is_none() { theirs.clone() } else { None };
    MergeFill {
        credit_code: take(&survivor.credit_code, &loser.credit_code),
        phone: take(&survivor.phone, &loser.phone),
        phone_key: take(&survivor.phone_key, &loser.phone_key),
        email: take(&survivor.email, &loser.email),
        email_key: take(&survivor.email_key, &loser.email_key),
        dealt: loser.dealt && !survivor.dealt,
    }
}

/// The survivor's tags, then the duplicate's it lacks, each once.
pub fn tags(survivor: Vec<String>, loser: Vec<String>) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(survivor.len() + loser.len());
    for t in survivor.into_iter().chain(loser) {
        if !all.contains(&t) {
            all.push(t);
        }
    }
    all
}

/// Whose first win (首次成交) the merged customer keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstWin {
    /// Nothing to do: the duplicate never won.
    Unchanged,
    /// The survivor's is earlier (or the same day): the duplicate's goes.
    KeepSurvivors,
    /// The duplicate's is earlier, or the survivor has none: it moves over.
    TakeLosers,
}

/// The merged customer keeps the earlier of the two first wins.
pub fn first_win(survivor: Option<NaiveDate>, loser: Option<NaiveDate>) -> FirstWin {
    match (survivor, loser) {
        (_, None) => FirstWin::Unchanged,
        (Some(s), Some(l)) if s <= l => FirstWin::KeepSurvivors,
        _ => FirstWin::TakeLosers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(code: Option<&str>, phone: Option<&str>, email: Option<&str>, dealt: bool) -> MergeFacts {
        MergeFacts {
            credit_code: code.map(Into::into),
            phone: phone.map(Into::into),
            phone_key: phone.map(|p| format!("k{p}")),
            email: email.map(Into::into),
            email_key: email.map(str::to_lowercase),
            dealt,
        }
    }

    #[test]
    fn the_survivor_fills_only_what_it_lacks() {
        let survivor = facts(None, Some("138"), None, false);
        let loser = facts(Some("91X"), Some("139"), Some("A@b.cn"), true);
        let f = fill(&survivor, &loser);
        assert_eq!(f.credit_code.as_deref(), Some("91X"));
        assert_eq!(f.phone, None, "the survivor's phone stays");
        assert_eq!(f.phone_key, None);
        assert_eq!(f.email.as_deref(), Some("A@b.cn"));
        assert_eq!(f.email_key.as_deref(), Some("a@b.cn"));
        assert!(f.dealt);
        assert!(
            !fill(&loser, &survivor).dealt,
            "a dealt survivor stays dealt without a change"
        );
        assert_eq!(fill(&survivor, &MergeFacts::default()), MergeFill::default());
    }

    #[test]
    fn tags_are_the_union_in_order() {
        let t = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(tags(t(&["a", "b"]), t(&["b", "c", "a", "d"])), t(&["a", "b", "c", "d"]));
        assert_eq!(tags(t(&[]), t(&["x", "x"])), t(&["x"]));
    }

    #[test]
    fn the_earlier_first_win_stays() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day);
        assert_eq!(first_win(d(5), None), FirstWin::Unchanged);
        assert_eq!(first_win(None, None), FirstWin::Unchanged);
        assert_eq!(first_win(d(5), d(9)), FirstWin::KeepSurvivors);
        assert_eq!(first_win(d(5), d(5)), FirstWin::KeepSurvivors);
        assert_eq!(first_win(d(9), d(5)), FirstWin::TakeLosers);
        assert_eq!(first_win(None, d(5)), FirstWin::TakeLosers);
    }

    fn detail() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z0-9]{1,6}")
    }

    fn any_facts() -> impl Strategy<Value = MergeFacts> {
        (detail(), detail(), detail(), detail(), detail(), any::<bool>()).prop_map(|(c, p, pk, e, ek, dealt)| {
            MergeFacts {
                credit_code: c,
                phone: p,
                phone_key: pk,
                email: e,
                email_key: ek,
                dealt,
            }
        })
    }

    proptest! {
        /// Nothing the survivor has is overwritten, and every detail it
        /// lacks comes from the duplicate.
        #[test]
        fn fill_never_overwrites(s in any_facts(), l in any_facts()) {
            let f = fill(&s, &l);
            for (mine, theirs, taken) in [
                (&s.credit_code, &l.credit_code, &f.credit_code),
                (&s.phone, &l.phone, &f.phone),
                (&s.phone_key, &l.phone_key, &f.phone_key),
                (&s.email, &l.email, &f.email),
                (&s.email_key, &l.email_key, &f.email_key),
            ] {
                if mine.is_some() {
                    prop_assert!(taken.is_none());
                } else {
                    prop_assert_eq!(taken, theirs);
                }
            }
            prop_assert_eq!(s.dealt || f.dealt, s.dealt || l.dealt);
        }

        /// The merged tags hold every tag of both, each once, the survivor's first.
        #[test]
        fn tags_keep_all_once(s in proptest::collection::vec("[a-c]", 0..6), l in proptest::collection::vec("[a-d]", 0..6)) {
            let all = tags(s.clone(), l.clone());
            for t in s.iter().chain(&l) {
                prop_assert_eq!(all.iter().filter(|x| *x == t).count(), 1);
            }
            let mut seen = Vec::new();
            for t in &s {
                if !seen.contains(t) {
                    seen.push(t.clone());
                }
            }
            prop_assert_eq!(&all[..seen.len()], &seen[..]);
        }
    }
}
