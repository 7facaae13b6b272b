//! Maps keyed by record id for the reports' tallies. The standard hasher
//! (SipHash, built to resist chosen keys) cost a funnel over a million deals
//! a hash per deal and per activity; ids come from the store, not from a
//! caller, so a multiplicative hash is enough.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by id, hashed by [`IdHasher`].
pub type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;

/// The widest span of ids an [`IdSet`] keeps as a bitmap (16 MiB of bits).
const BITMAP_SPAN: u64 = 1 << 27;

/// A set of ids for membership tests in a hot loop. A million deals' ids
/// span a bitmap of 125 KiB, which stays in the processor's cache; a hashed
/// set of 270,000 closed deals made each test of the funnel two cache misses.
/// Ids spread wider than [`BITMAP_SPAN`] go to a hashed set instead.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
    base: i64,
    bits: Vec<u64>,
    hashed: Option<HashSet<i64, BuildHasherDefault<IdHasher>>>,
}

impl IdSet {
    pub fn of(ids: &[i64]) -> Self {
        let (Some(&min), Some(&max)) = (ids.iter().min(), ids.iter().max()) else {
            return IdSet::default();
        };
        let span = max.abs_diff(min);
        if span >= BITMAP_SPAN {
            return IdSet {
                hashed: Some(ids.iter().copied().collect()),
                ..IdSet::default()
            };
        }
        // span < 2^27, so every offset fits in usize
        let offset = |id: i64| usize::try_from(id.abs_diff(min)).unwrap_or(usize::MAX);
        let mut bits = vec![0u64; offset(max) / 64 + 1];
        for &id in ids {
            let at = offset(id);
            bits[at / 64] |= 1 << (at % 64);
        }
        IdSet {
            base: min,
            bits,
            hashed: None,
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        if let Some(set) = &self.hashed {
            return set.contains(&id);
        }
        if id < self.base {
            return false;
        }
        usize::try_from(id.abs_diff(self.base))
            .ok()
            .and_then(|at| self.bits.get(at / 64).map(|word| word & (1 << (at % 64)) != 0))
            .unwrap_or(false)
    }
}

/// Fibonacci hashing of one integer: the key times 2^64 / golden ratio.
/// For any other key type it folds the bytes in the same way.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn write_i64(&mut self, n: i64) {
        self.0 = (self.0.rotate_left(5) ^ n.cast_unsigned()).wrapping_mul(K);
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// An `IdSet` holds exactly the ids it was made of, as a bitmap or
        /// hashed, near its ends and far outside them.
        #[test]
        fn an_id_set_holds_exactly_its_ids(
            ids in prop::collection::vec(prop_oneof![-300i64..300, any::<i64>()], 0..40),
            probes in prop::collection::vec(prop_oneof![-320i64..320, any::<i64>()], 0..80),
        ) {
            let set = IdSet::of(&ids);
            let expected: HashSet<i64> = ids.iter().copied().collect();
            for id in ids.iter().copied().chain(probes).chain(ids.iter().flat_map(|i| [i.wrapping_sub(1), i.wrapping_add(1), i.wrapping_add(64)])) {
                prop_assert_eq!(set.contains(id), expected.contains(&id), "id {}", id);
            }
        }
    }

    #[test]
    fn a_narrow_span_is_a_bitmap_and_a_wide_one_hashed() {
        let narrow = IdSet::of(&[5, 1_000_000, 70]);
        assert!(narrow.hashed.is_none() && narrow.bits.len() == 999_995 / 64 + 1);
        assert!(narrow.contains(1_000_000) && narrow.contains(70) && !narrow.contains(71) && !narrow.contains(4));
        let wide = IdSet::of(&[i64::MIN, i64::MAX]);
        assert!(wide.bits.is_empty() && wide.contains(i64::MIN) && wide.contains(i64::MAX) && !wide.contains(0));
        assert!(!IdSet::of(&[]).contains(0));
    }

    #[test]
    fn ids_spread_over_the_high_and_low_bits() {
        let build = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (0..4096i64).map(|id| build.hash_one(id)).collect();
        // hashbrown picks buckets from the low bits and tags from the top seven
        let low: HashSet<u64> = hashes.iter().map(|h| h & 0xFFF).collect();
        let top: HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 2_000, "{}", low.len());
        assert_eq!(top.len(), 128);
        let mut map: IdMap<i64> = IdMap::default();
        for id in -50..50 {
            map.insert(id, id * 2);
        }
        assert_eq!((map.len(), map.get(&-7), map.get(&49)), (100, Some(&-14), Some(&98)));
    }
}
