//! The low-credit rule: which alert levels one billed fax crossed, and how many days the credit
//! lasts at the recent spend. Pure functions over plain values; the biller passes the credit
//! before and after the fax and the cards it drew from, and SQL stays around them.
//!
//! A level fires when the fax takes the credit from above it to at or below it. Credit only
//! falls by billing and only rises by a new card (applied, bought, a credit account's month), so
//! each level fires once per crossing and is armed again only once credit has risen above it,
//! with nothing stored: the proptests below check this against a state machine that stores it.

use serde::Serialize;

/// One alert level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The credit remaining across the open cards falls to this amount or below (storage units).
    Amount(i64),
    /// The card in use reaches this share of its original balance, in hundredths of a percent
    /// (`8000` = 80%).
    Percent(i64),
}

/// A percent as stored: hundredths of a percent.
pub const PERCENT_SCALE: i64 = 100;

/// What one fax drew from one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Draw {
    pub card: i64,
    pub original: i64,
    pub used_before: i64,
    pub used_after: i64,
}

/// A level a fax crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Crossing {
    /// The credit across the open cards fell to `level` or below.
    Amount { level: i64 },
    /// `card` reached `level` (hundredths of a percent) of its original balance.
    Percent { level: i64, card: i64 },
}

/// Whether `used` of `original` is at least `level` hundredths of a percent.
pub fn reached(used: i64, original: i64, level: i64) -> bool {
    original > 0 && i128::from(used) * 10_000 >= i128::from(level) * i128::from(original)
}

/// The levels one fax crossed: amount levels by the credit across the open cards before and
/// after it, percent levels by each card it drew from. Listed amount levels first, highest
/// first, then percent levels, lowest first; empty (and not allocated) when none.
pub fn crossed(levels: &[Level], remaining_before: i64, remaining_after: i64, draws: &[Draw]) -> Vec<Crossing> {
    let mut out = Vec::new();
    if remaining_after >= remaining_before {
        return out;
    }
    for level in levels {
        match *level {
            Level::Amount(a) => {
                if remaining_before > a && remaining_after <= a {
                    out.push(Crossing::Amount { level: a });
                }
            }
            Level::Percent(p) => {
                for d in draws {
                    if !reached(d.used_before, d.original, p) && reached(d.used_after, d.original, p) {
                        out.push(Crossing::Percent { level: p, card: d.card });
                    }
                }
            }
        }
    }
    out.sort_by_key(|c| match *c {
        Crossing::Amount { level } => (0, -level, 0),
        Crossing::Percent { level, card } => (1, level, card),
    });
    out
}

/// Whole days `remaining` lasts when `spent` was spent over the last `days` days; `None` when
/// nothing was spent (no pace to go by).
pub fn days_left(remaining: i64, spent: i64, days: i64) -> Option<i64> {
    if spent <= 0 || days <= 0 {
        return None;
    }
    let d = i128::from(remaining.max(0)) * i128::from(days) / i128::from(spent);
    Some(i64::try_from(d).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ONE: i64 = 10_000;

    #[test]
    fn fires_an_amount_level_when_the_credit_falls_to_it_and_not_while_it_stays_below() {
        let levels = [Level::Amount(50 * ONE), Level::Amount(20 * ONE)];
        assert_eq!(crossed(&levels, 60 * ONE, 50 * ONE, &[]), vec![Crossing::Amount { level: 50 * ONE }]);
        assert_eq!(crossed(&levels, 50 * ONE, 45 * ONE, &[]), vec![]);
        // One fax past both: both, the higher first.
        assert_eq!(
            crossed(&levels, 60 * ONE, 10 * ONE, &[]),
            vec![Crossing::Amount { level: 50 * ONE }, Crossing::Amount { level: 20 * ONE }]
        );
        // A fax that costs nothing crosses nothing.
        assert_eq!(crossed(&levels, 50 * ONE, 50 * ONE, &[]), vec![]);
    }

    #[test]
    fn fires_a_percent_level_on_the_card_that_reaches_it() {
        let d = |card, before, after| Draw { card, original: 100 * ONE, used_before: before, used_after: after };
        let levels = [Level::Percent(80 * PERCENT_SCALE)];
        assert_eq!(
            crossed(&levels, 30 * ONE, 10 * ONE, &[d(7, 70 * ONE, 90 * ONE)]),
            vec![Crossing::Percent { level: 8000, card: 7 }]
        );
        assert_eq!(crossed(&levels, 20 * ONE, 10 * ONE, &[d(7, 80 * ONE, 90 * ONE)]), vec![]);
        // Exactly 80.00% reaches it; 79.99% does not.
        assert!(reached(80 * ONE, 100 * ONE, 8000));
        assert!(!reached(80 * ONE - 100, 100 * ONE, 8000));
        assert!(reached(3, 4, 7500) && !reached(2, 4, 7500) && !reached(1, 0, 1));
    }

    #[test]
    fn days_left_is_the_remaining_credit_at_the_average_daily_spend() {
        assert_eq!(days_left(100 * ONE, 300 * ONE, 30), Some(10));
        assert_eq!(days_left(99 * ONE, 300 * ONE, 30), Some(9));
        assert_eq!(days_left(100 * ONE, 0, 30), None);
        assert_eq!(days_left(-5, 10, 30), Some(0));
    }

    /// A step of an account's life: a fax billed (`Bill`) or a card added (`TopUp`).
    #[derive(Debug, Clone)]
    enum Step {
        Bill(i64),
        TopUp(i64),
    }

    /// An amount from `min` to below `max` whole units: mostly whole units, so that the credit
    /// often lands exactly on a level (the edge of the rule), sometimes any ten-thousandth.
    fn amount(min: i64, max: i64) -> impl Strategy<Value = i64> {
        prop_oneof![3 => (min..max).prop_map(|v| v * ONE), 1 => min * ONE..max * ONE]
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        prop::collection::vec(
            prop_oneof![4 => amount(0, 40).prop_map(Step::Bill), 1 => amount(1, 200).prop_map(Step::TopUp)],
            0..60,
        )
    }

    proptest! {
        /// The stateless rule agrees with a state machine that stores, per level, whether it is
        /// armed: armed while the credit is above the level, fired (once) when a fax takes it
        /// to or below, armed again only when the credit rises above it.
        #[test]
        fn an_amount_level_fires_once_per_crossing_and_rearms_only_above_it(
            start in amount(0, 300),
            raw_levels in prop::collection::btree_set(amount(1, 250), 1..4),
            steps in steps(),
        ) {
            let levels: Vec<Level> = raw_levels.iter().map(|&a| Level::Amount(a)).collect();
            let mut armed: Vec<bool> = raw_levels.iter().map(|&a| start > a).collect();
            let mut remaining = start;
            for step in steps {
                match step {
                    Step::Bill(cost) if cost <= remaining => {
                        let fired = crossed(&levels, remaining, remaining - cost, &[]);
                        remaining -= cost;
                        let mut expected = Vec::new();
                        for (i, &a) in raw_levels.iter().enumerate() {
                            if armed[i] && remaining <= a {
                                armed[i] = false;
                                expected.push(Crossing::Amount { level: a });
                            }
                        }
                        expected.sort_by_key(|c| match *c { Crossing::Amount { level } => -level, _ => 0 });
                        prop_assert_eq!(fired, expected);
                    }
                    Step::Bill(_) => {} // refused with 205000: the credit does not move
                    Step::TopUp(v) => {
                        remaining += v;
                        for (i, &a) in raw_levels.iter().enumerate() {
                            if remaining > a {
                                armed[i] = true;
                            }
                        }
                    }
                }
            }
        }

        /// A card's use only grows: each percent level fires exactly once on a card that
        /// reaches it, on the fax that takes it there, and never on one that does not.
        #[test]
        fn a_percent_level_fires_exactly_once_on_each_card_that_reaches_it(
            original in 1i64..500 * ONE,
            level in 1i64..10_000,
            costs in prop::collection::vec(0i64..60 * ONE, 0..40),
        ) {
            let levels = [Level::Percent(level)];
            let mut used = 0;
            let mut fired = 0;
            for cost in costs {
                let amount = cost.min(original - used);
                let draw = Draw { card: 1, original, used_before: used, used_after: used + amount };
                let c = crossed(&levels, original - used, original - used - amount, &[draw]);
                if !c.is_empty() {
                    prop_assert!(reached(used + amount, original, level) && !reached(used, original, level));
                }
                fired += c.len();
                used += amount;
            }
            prop_assert_eq!(fired, usize::from(reached(used, original, level)));
        }

        #[test]
        fn days_left_never_overstates_the_credit(remaining in 0i64..1_000_000 * ONE, spent in 1i64..1_000_000 * ONE, days in 1i64..31) {
            let d = i128::from(days_left(remaining, spent, days).unwrap());
            let (r, s, n) = (i128::from(remaining), i128::from(spent), i128::from(days));
            // d days at spent/days a day fit in the remaining credit; d + 1 do not.
            prop_assert!(d * s <= r * n && r * n < (d + 1) * s);
        }
    }
}
