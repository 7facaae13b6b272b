//! Page sizes of keyset-paginated lists (DESIGN.md section 6).

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("limit is between 1 and {MAX_LIMIT}")]
pub struct LimitOutOfRange;

/// The page size to use: the default when absent, refused outside 1..=200
/// (a client asking for 10,000 rows should learn that it gets 200, not guess).
pub fn page_limit(requested: Option<i64>) -> Result<u32, LimitOutOfRange> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => u32::try_from(n).map_err(|_| LimitOutOfRange),
        Some(_) => Err(LimitOutOfRange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(page_limit(None), Ok(50));
        assert_eq!(page_limit(Some(1)), Ok(1));
        assert_eq!(page_limit(Some(200)), Ok(200));
        assert_eq!(page_limit(Some(0)), Err(LimitOutOfRange));
        assert_eq!(page_limit(Some(201)), Err(LimitOutOfRange));
        assert_eq!(page_limit(Some(-5)), Err(LimitOutOfRange));
    }
}
