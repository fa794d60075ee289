//! Balanced rounding to 2 decimals (公顷, 亩, %), flat and through a hierarchy.
//!
//! A plan's balance table prints level-1 rows with their level-2 (and level-3)
//! rows beneath them. Every subtotal must equal the sum of its printed rows, and
//! the level-1 rows must add up to the printed total, or a reviewer adding up a
//! column finds a cent missing. Rounding each level on its own cannot promise that
//! (two parcels can read 22.71 亩 at level 2 and 22.72 亩 at level 1), so the tree
//! is rounded from the top: the total first, then each node's children balanced to
//! the node's own rounded value.

pub fn round2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    // Rounding a tiny negative value gives -0, which would print as "-0.00".
    if r == 0.0 { 0.0 } else { r }
}

/// Rounds non-negative `values` to 2 decimals so that they sum exactly to
/// `rounded_total` (itself a 2-decimal value): each value is floored to the cent,
/// and the missing cents go to the values with the largest remainders (ties to the
/// earlier row), the largest-remainder method of apportionment.
pub fn balance_round(values: &[f64], rounded_total: f64) -> Vec<f64> {
    let cents: Vec<f64> = values.iter().map(|v| v.max(0.0) * 100.0).collect();
    let mut floors: Vec<i64> = cents.iter().map(|c| c.floor() as i64).collect();
    let target = (rounded_total * 100.0).round() as i64;
    let mut missing = target - floors.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| cents.get(i).map_or(0.0, |c| c - c.floor());
        rem(b).total_cmp(&rem(a)).then(a.cmp(&b))
    });
    // `missing` is between 0 and the number of rows when the total is the rounded
    // sum; a guard keeps odd inputs (a total from elsewhere) from looping.
    let mut k = 0;
    while missing > 0 && !order.is_empty() {
        if let Some(f) = order.get(k % order.len()).and_then(|&i| floors.get_mut(i)) {
            *f += 1;
        }
        missing -= 1;
        k += 1;
    }
    while missing < 0 && !order.is_empty() {
        let i = order
            .get(order.len() - 1 - (k % order.len()))
            .copied()
            .unwrap_or(0);
        if let Some(f) = floors.get_mut(i)
            && *f > 0
        {
            *f -= 1;
            missing += 1;
        }
        k += 1;
        if k > 4 * order.len() + 4 {
            break;
        }
    }
    floors.into_iter().map(|c| c as f64 / 100.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_rounding_sums_to_total() {
        let v = [33.333, 33.333, 33.334];
        let r = balance_round(&v, 100.0);
        assert_eq!(r, vec![33.33, 33.33, 33.34]);
        let v = [1.005, 2.005, 3.005, 0.004];
        let total = round2(v.iter().sum::<f64>());
        let r = balance_round(&v, total);
        assert!(
            (r.iter().sum::<f64>() - total).abs() < 1e-9,
            "{r:?} {total}"
        );
        for (a, b) in r.iter().zip(v) {
            assert!((a - b).abs() <= 0.01 + 1e-12);
        }
    }

    #[test]
    fn round2_never_gives_negative_zero() {
        assert!(round2(-0.001).is_sign_positive());
        assert_eq!(format!("{:.2}", round2(-0.004)), "0.00");
    }
}
