//! Which open cards pay for a fax (DESIGN.md §2): the oldest open card first, the rest from the
//! next one when it runs out, or a refusal (205000) when the open cards together hold less than
//! the cost. A pure rule over the cards' balances, in storage units.

/// What [`allocate`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// (index into the balances, amount) for each card that pays, oldest first.
    Parts(Vec<(usize, i64)>),
    /// The open cards hold `available` in all, less than the cost.
    Refuse { available: i64 },
}

/// Splits `cost` over `balances` (the open cards, oldest first). A fax that costs nothing is
/// one line of zero on the card in use, so that it still shows in that card's activity.
pub fn allocate(balances: &[i64], cost: i64) -> Allocation {
    let available: i64 = balances.iter().sum();
    if cost > available {
        return Allocation::Refuse { available };
    }
    let mut parts = Vec::with_capacity(2);
    let mut remaining = cost;
    for (i, &balance) in balances.iter().enumerate() {
        if remaining == 0 && !parts.is_empty() {
            break;
        }
        let take = remaining.min(balance);
        if take > 0 || (cost == 0 && parts.is_empty()) {
            parts.push((i, take));
            remaining -= take;
        }
    }
    Allocation::Parts(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_across_the_oldest_two_cards_and_refuses_what_they_cannot_cover() {
        assert_eq!(allocate(&[300, 1_000], 500), Allocation::Parts(vec![(0, 300), (1, 200)]));
        assert_eq!(allocate(&[300, 1_000], 300), Allocation::Parts(vec![(0, 300)]));
        assert_eq!(allocate(&[300, 1_000], 1_301), Allocation::Refuse { available: 1_300 });
        assert_eq!(allocate(&[300], 0), Allocation::Parts(vec![(0, 0)]));
    }

    proptest! {
        #[test]
        fn takes_the_whole_cost_oldest_first_or_refuses_only_what_cannot_be_paid(
            balances in prop::collection::vec(0i64..50_000, 0..6),
            cost in 0i64..200_000,
        ) {
            let available: i64 = balances.iter().sum();
            match allocate(&balances, cost) {
                Allocation::Refuse { available: a } => {
                    prop_assert_eq!(a, available);
                    prop_assert!(cost > available);
                }
                Allocation::Parts(parts) => {
                    prop_assert!(cost <= available);
                    prop_assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), cost, "the whole cost is taken");
                    prop_assert!(parts.len() <= balances.len());
                    for w in parts.windows(2) {
                        prop_assert!(w[0].0 < w[1].0, "oldest first");
                        // A card is passed over only once it is empty.
                        prop_assert_eq!(w[0].1, balances[w[0].0]);
                    }
                    for &(i, amount) in &parts {
                        prop_assert!(amount >= 0 && amount <= balances[i], "no card overdrawn");
                    }
                    if let Some(&(first, _)) = parts.first() {
                        prop_assert!(balances[..first].iter().all(|&b| b == 0), "no card with credit skipped");
                    }
                }
            }
        }
    }
}
