//! Maps keyed by record id for the reports' tallies. The standard hasher
//! (SipHash, built to resist chosen keys) cost a funnel over a million deals
//! a hash per deal and per activity; ids come from the store, not from a
//! caller, so a multiplicative hash is enough.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by id, hashed by [`IdHasher`].
pub type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;

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
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

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
