//! Look-alike company names among many customers.
//!
//! Most Chinese company names start with a city and end with an industry word
//! (北京……科技), so blocking candidates by the first or last characters finds
//! nothing once a city's customers fill the window. Instead every normalised
//! key is indexed by its character bigrams; a probe looks up only its *rare*
//! bigrams (those few customers share), ranks the customers sharing the most
//! of them, and scores those with [`name_similarity`]. Common bigrams (北京,
//! 科技) are skipped: they say little and their postings are long.

use std::collections::BTreeSet;

use crate::dedup::{SIMILAR_THRESHOLD, name_similarity};

/// A bigram in more than this many customers' keys is common: not looked up.
pub const COMMON_GRAM: i64 = 300;
/// At most this many of a probe's rarest grams are looked up.
pub const PROBE_GRAMS: usize = 8;
/// At most this many grams of one key are counted (keys are names, but a
/// 200-character name must not cost 200 look-ups).
pub const MAX_KEY_GRAMS: usize = 48;
/// Customers sharing the most rare grams that are scored.
pub const CANDIDATES: i64 = 50;
/// Look-alikes reported, best first.
pub const REPORTED: usize = 10;

/// The distinct character bigrams of a normalised key, sorted; a one-character
/// key is its own gram, an empty key has none.
pub fn name_grams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let grams: BTreeSet<String> = match chars.len() {
        0 => BTreeSet::new(),
        1 => BTreeSet::from([key.to_owned()]),
        _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
    };
    grams.into_iter().collect()
}

/// The grams of a probe key that are worth counting: all of them, or for a
/// very long key an even spread of [`MAX_KEY_GRAMS`].
pub fn grams_to_count(key: &str) -> Vec<String> {
    let all = name_grams(key);
    if all.len() <= MAX_KEY_GRAMS {
        return all;
    }
    let step = all.len() as f64 / MAX_KEY_GRAMS as f64;
    (0..MAX_KEY_GRAMS)
        .filter_map(|i| all.get((i as f64 * step) as usize).cloned())
        .collect()
}

/// Which grams to look up, given how many customers hold each (counts capped
/// just above [`COMMON_GRAM`]): the rarest present ones that are not common,
/// rarest first, at most [`PROBE_GRAMS`]. Empty when every gram is common or
/// absent; then the caller falls back to prefix and suffix blocking.
pub fn probe_grams(counts: &[(String, i64)]) -> Vec<String> {
    let mut useful: Vec<&(String, i64)> = counts.iter().filter(|(_, n)| *n > 0 && *n <= COMMON_GRAM).collect();
    useful.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    useful.into_iter().take(PROBE_GRAMS).map(|(g, _)| g.clone()).collect()
}

/// Scores candidates `(id, key)` against `key`, leaving out `exclude` (exact
/// matches reported elsewhere): those at or above [`SIMILAR_THRESHOLD`], best
/// first (ties by id), at most [`REPORTED`], each score rounded to 0.001.
pub fn rank_similar<'a>(
    key: &str,
    candidates: impl IntoIterator<Item = (i64, &'a str)>,
    exclude: &[i64],
) -> Vec<(i64, f64)> {
    let mut seen = BTreeSet::new();
    let mut list: Vec<(i64, f64)> = candidates
        .into_iter()
        .filter(|(id, _)| !exclude.contains(id) && seen.insert(*id))
        .map(|(id, other)| (id, name_similarity(key, other)))
        .filter(|(_, s)| *s >= SIMILAR_THRESHOLD)
        .map(|(id, s)| (id, (s * 1000.0).round() / 1000.0))
        .collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(REPORTED);
    list
}

/// The keys that start with `prefix` as a range `[prefix, end)` in code
/// point order (SQLite's BINARY collation, PostgreSQL's C and C.UTF-8):
/// `end` is `prefix` with its last character replaced by the next one, or
/// `None` (no upper bound) when no character follows it. A range is what an
/// index can seek, where `LIKE 'prefix%'` is case-insensitive on SQLite and
/// collation-bound on PostgreSQL and so scans.
pub fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut chars: Vec<char> = prefix.chars().collect();
    let end = loop {
        let Some(last) = chars.pop() else {
            break None;
        };
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'), // past the surrogates
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            break Some(chars.into_iter().collect());
        }
        // the last possible character: the range ends where the shorter prefix's does
    };
    (prefix.to_owned(), end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::{SuffixList, normalize_company_name};
    use proptest::prelude::*;

    fn key(s: &str) -> String {
        normalize_company_name(s, &SuffixList::default())
    }

    #[test]
    fn grams_are_distinct_sorted_bigrams() {
        assert_eq!(name_grams("字节跳动"), ["字节", "节跳", "跳动"]);
        assert_eq!(name_grams("aaaa"), ["aa"]);
        assert_eq!(name_grams("华"), ["华"]);
        assert!(name_grams("").is_empty());
    }

    #[test]
    fn probes_use_the_rarest_grams_and_skip_common_ones() {
        let counts = vec![
            ("北京".to_owned(), 301),
            ("京字".to_owned(), 1),
            ("字节".to_owned(), 3),
            ("科技".to_owned(), 301),
            ("缺席".to_owned(), 0),
        ];
        assert_eq!(probe_grams(&counts), ["京字", "字节"]);
        assert!(probe_grams(&[("北京".to_owned(), 5_000)]).is_empty());
        let many: Vec<(String, i64)> = (0..20).map(|i| (format!("g{i:02}"), 20 - i)).collect();
        let picked = probe_grams(&many);
        assert_eq!(picked.len(), PROBE_GRAMS);
        assert_eq!(picked[0], "g19");
    }

    #[test]
    fn the_issue_probes_share_rare_grams_with_bytedance() {
        // 北京字节跳动科技有限公司 among thousands of 北京NNNN信息科技有限公司
        let stored = name_grams(&key("北京字节跳动科技有限公司"));
        let filler = name_grams(&key("北京0042信息科技有限公司"));
        for probe in [
            "北京字节跳动科技发展有限公司",
            "字节跳动科技有限公司",
            "北京字节跳动",
            "北京字节跳动网络技术有限公司",
        ] {
            let probe_key = key(probe);
            let rare: Vec<String> = name_grams(&probe_key)
                .into_iter()
                .filter(|g| stored.contains(g) && !filler.contains(g))
                .collect();
            assert!(rare.len() >= 2, "{probe}: {rare:?}");
            let ranked = rank_similar(&probe_key, [(1, key("北京字节跳动科技有限公司").as_str())], &[]);
            assert_eq!(ranked.first().map(|r| r.0), Some(1), "{probe} scores {ranked:?}");
        }
    }

    #[test]
    fn ranking_excludes_orders_and_caps() {
        let cands = [(3, "华为技术"), (1, "华为技术"), (2, "完全不同的名字"), (4, "华为技术")];
        let r = rank_similar("华为技术", cands, &[4]);
        assert_eq!(r, vec![(1, 1.0), (3, 1.0)]);
        let many: Vec<(i64, String)> = (0..30).map(|i| (i, format!("华为技术{i}"))).collect();
        let r = rank_similar("华为技术", many.iter().map(|(i, k)| (*i, k.as_str())), &[]);
        assert_eq!(r.len(), REPORTED);
        assert!(r.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn long_keys_count_a_bounded_spread() {
        let long: String = (0..300).map(|i| char::from_u32(0x4e00 + i).unwrap_or('x')).collect();
        let g = grams_to_count(&long);
        assert_eq!(g.len(), MAX_KEY_GRAMS);
        assert_eq!(grams_to_count("字节跳动"), name_grams("字节跳动"));
    }

    #[test]
    fn a_prefix_range_ends_at_the_next_character() {
        assert_eq!(prefix_range("压测"), ("压测".to_owned(), Some("压浌".to_owned())));
        assert_eq!(prefix_range("ab"), ("ab".to_owned(), Some("ac".to_owned())));
        assert_eq!(prefix_range("a\u{D7FF}").1, Some("a\u{E000}".to_owned()));
        assert_eq!(prefix_range("a\u{10FFFF}").1, Some("b".to_owned()));
        assert_eq!(prefix_range("\u{10FFFF}").1, None);
        assert_eq!(prefix_range("").1, None);
    }

    proptest! {
        #[test]
        fn a_key_is_in_a_prefix_range_exactly_when_it_starts_with_the_prefix(
            prefix in "[a-c\u{4e00}-\u{4e02}\u{D7FF}\u{E000}\u{10FFFF}]{1,3}",
            key in "[a-c\u{4e00}-\u{4e02}\u{D7FF}\u{E000}\u{10FFFF}]{0,5}",
        ) {
            let (start, end) = prefix_range(&prefix);
            // byte order of UTF-8 is code point order
            let inside = key.as_str() >= start.as_str() && end.as_deref().is_none_or(|e| key.as_str() < e);
            prop_assert_eq!(inside, key.starts_with(&prefix), "{:?} in [{:?}, {:?})", key, start, end);
        }

        #[test]
        fn every_gram_occurs_in_the_key(s in "[a-z0-9\u{4e00}-\u{4e20}]{0,30}") {
            let grams = name_grams(&s);
            for g in &grams {
                prop_assert!(s.contains(g.as_str()));
                prop_assert!((1..=2).contains(&g.chars().count()));
            }
            let chars = s.chars().count();
            prop_assert!(grams.len() <= chars.max(1));
            prop_assert_eq!(grams.is_empty(), s.is_empty());
        }

        #[test]
        fn a_key_shares_all_its_grams_with_itself(s in "[\u{4e00}-\u{4e20}]{2,20}") {
            prop_assert_eq!(rank_similar(&s, [(7, s.as_str())], &[]), vec![(7, 1.0)]);
        }
    }
}
