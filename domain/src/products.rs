//! Line items (产品明细) of deals and contracts: quantity times unit price,
//! less a discount, in minor units; the items' sum is the amount.

/// One line: how many, at what unit price, with what discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub quantity: i64,
    pub unit_price: i64,
    /// Discount in basis points (1000 = 10 %).
    pub discount_bp: i32,
}

/// Why a line cannot be priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    Quantity,
    UnitPrice,
    Discount,
    /// The total is above what one amount may hold (`money::MAX_AMOUNT`).
    TooLarge,
}

/// A line's total, the discount rounded half up to the minor unit.
pub fn line_total(l: &Line) -> Result<i64, LineError> {
    if l.quantity <= 0 {
        return Err(LineError::Quantity);
    }
    if l.unit_price < 0 {
        return Err(LineError::UnitPrice);
    }
    if !(0..=10_000).contains(&l.discount_bp) {
        return Err(LineError::Discount);
    }
    let gross = i128::from(l.quantity) * i128::from(l.unit_price);
    let net = gross
        .checked_mul(i128::from(10_000 - l.discount_bp))
        .ok_or(LineError::TooLarge)?
        .checked_add(5_000)
        .ok_or(LineError::TooLarge)?
        / 10_000;
    i64::try_from(net)
        .ok()
        .filter(|n| *n <= crate::money::MAX_AMOUNT)
        .ok_or(LineError::TooLarge)
}

/// The amount of a set of lines: the sum of their totals.
pub fn amount(lines: &[Line]) -> Result<(Vec<i64>, i64), (usize, LineError)> {
    let mut totals = Vec::with_capacity(lines.len());
    let mut sum: i64 = 0;
    for (i, l) in lines.iter().enumerate() {
        let t = line_total(l).map_err(|e| (i, e))?;
        sum = sum
            .checked_add(t)
            .filter(|s| *s <= crate::money::MAX_AMOUNT)
            .ok_or((i, LineError::TooLarge))?;
        totals.push(t);
    }
    Ok((totals, sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_priced_with_the_discount_rounded_half_up() {
        let l = |quantity, unit_price, discount_bp| Line {
            quantity,
            unit_price,
            discount_bp,
        };
        assert_eq!(line_total(&l(3, 1_999, 0)), Ok(5_997));
        // 10 x 0.99 less 5 % = 9.405 -> 9.41
        assert_eq!(line_total(&l(10, 99, 500)), Ok(941));
        assert_eq!(line_total(&l(1, 100, 10_000)), Ok(0));
        assert_eq!(line_total(&l(0, 100, 0)), Err(LineError::Quantity));
        assert_eq!(line_total(&l(1, 100, 10_001)), Err(LineError::Discount));
        assert_eq!(line_total(&l(i64::MAX, i64::MAX, 0)), Err(LineError::TooLarge));
        assert_eq!(amount(&[l(2, 500, 0), l(1, 250, 0)]), Ok((vec![1_000, 250], 1_250)));
        assert_eq!(amount(&[l(2, 500, 0), l(0, 1, 0)]), Err((1, LineError::Quantity)));
    }
}
