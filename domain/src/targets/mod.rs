//! Targets (业绩目标) that add up (DESIGN.md section 5): an amount split over
//! children by equal shares, by weights (e.g. last year's actuals) or by
//! manual values always adds up exactly in minor units; a year splits into
//! months, and quarters are sums of months.
//!
//! Splitting uses the largest-remainder method: every part gets the floor
//! of its exact share, and the units left over go one each to the parts
//! with the largest remainders (ties to the earlier part), so the parts sum
//! to the total and none is more than one unit from its exact share.

pub mod plan;

#[cfg(test)]
mod tests;

/// Why an amount cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("a target is never negative")]
    Negative,
    #[error("there is nothing to split over")]
    NoParts,
    #[error("the weights are all zero")]
    ZeroWeights,
    #[error("a weight is negative")]
    NegativeWeight,
}

/// `total` over parts in proportion to `weights`, adding up exactly.
pub fn split_by_weights(total: i64, weights: &[i64]) -> Result<Vec<i64>, SplitError> {
    if total < 0 {
        return Err(SplitError::Negative);
    }
    if weights.is_empty() {
        return Err(SplitError::NoParts);
    }
    if weights.iter().any(|w| *w < 0) {
        return Err(SplitError::NegativeWeight);
    }
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        return Err(SplitError::ZeroWeights);
    }
    let total = i128::from(total);
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total * i128::from(*w);
        parts.push(exact / sum);
        remainders.push((exact % sum, i));
    }
    let given: i128 = parts.iter().sum();
    let mut left = total - given;
    // largest remainder first; equal remainders: the earlier part first
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    // each part is at most `total`, which came from an i64
    Ok(parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
        .collect())
}

/// `total` in `n` equal shares (the first ones one unit larger when it does not divide).
pub fn split_equal(total: i64, n: usize) -> Result<Vec<i64>, SplitError> {
    split_by_weights(total, &vec![1; n])
}

/// A manual split that does not add up: by how much (positive: the parts
/// exceed the total; negative: they fall short).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mismatch {
    pub total: i64,
    pub sum: i64,
    pub difference: i64,
}

/// Checks a manual split: the parts must add up to the total exactly, and none may be negative.
pub fn check_manual(total: i64, parts: &[i64]) -> Result<(), ManualError> {
    if parts.iter().any(|p| *p < 0) {
        return Err(ManualError::Negative);
    }
    let sum: i128 = parts.iter().map(|p| i128::from(*p)).sum();
    if sum == i128::from(total) {
        return Ok(());
    }
    Err(ManualError::DoesNotAddUp(Mismatch {
        total,
        sum: crate::money::saturate(sum),
        difference: crate::money::saturate(sum - i128::from(total)),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualError {
    Negative,
    DoesNotAddUp(Mismatch),
}

/// A year's figure over its twelve months: equal, or by twelve weights
/// (a season: more in the autumn, less around the Spring Festival).
pub fn months(total: i64, weights: Option<&[i64; 12]>) -> Result<[i64; 12], SplitError> {
    let parts = match weights {
        Some(w) => split_by_weights(total, w)?,
        None => split_equal(total, 12)?,
    };
    let mut out = [0; 12];
    out.copy_from_slice(&parts);
    Ok(out)
}

/// Quarters are the sums of their months.
pub fn quarters(months: &[i64; 12]) -> [i64; 4] {
    let mut q = [0; 4];
    for (i, m) in months.iter().enumerate() {
        q[i / 3] = crate::money::saturate(i128::from(q[i / 3]) + i128::from(*m));
    }
    q
}

/// Completion of a target in basis points (1 % = 100 bp), rounded down;
/// `None` for a target of zero.
pub fn completion_bp(actual: i64, target: i64) -> Option<i64> {
    if target <= 0 {
        return None;
    }
    let bp = i128::from(actual) * 10_000 / i128::from(target);
    Some(i64::try_from(bp).unwrap_or(i64::MAX))
}
