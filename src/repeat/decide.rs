//! The repeat order's decision and its monthly cap, as pure functions over plain values (amounts
//! in ten-thousandths): the SQL in `trigger` and `outcome` loads the situation and writes what
//! was decided.

use super::TRIGGER_PERCENT;

/// What asks for a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A billed fax took the card in use to 95% used.
    Threshold,
    /// A fax costing `cost` was refused with 205000.
    Refusal { cost: i64 },
    /// The repeat order was set or resumed while the card in use was already at 95% or more.
    Armed,
    /// A declined automatic order's retry is due.
    Retry,
}

/// The repeat order as set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The package's price (its face value), what the cap counts.
    pub price: i64,
    pub monthly_cap: Option<i64>,
    pub paused: bool,
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    /// `None`: no repeat order is set.
    pub plan: Option<Plan>,
    pub trigger: Trigger,
    /// Credit that will still reach the faxes without this order: the other open cards that
    /// have not reached 95% (each fires the repeat order itself when it does), plus the cards
    /// that orders in flight are buying.
    pub credit_ahead: i64,
    /// Automatic purchases that count against this month's cap, this order excluded.
    pub spent_this_month: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Buy,
    NoRepeatOrder,
    Paused,
    /// Credit ahead makes the order unnecessary for now.
    Skip {
        credit_ahead: i64,
    },
    /// Buying would pass the monthly cap.
    Capped {
        cap: i64,
        spent: i64,
        price: i64,
    },
}

/// Whether one more purchase of `price` fits under `cap` after `spent` this month.
pub fn cap_allows(cap: Option<i64>, spent: i64, price: i64) -> bool {
    cap.is_none_or(|cap| spent.checked_add(price).is_some_and(|total| total <= cap))
}

/// Whether a card with `used` of `original` has reached the repeat order's trigger (95%).
pub fn reached_threshold(used: i64, original: i64) -> bool {
    i128::from(used) * 100 >= i128::from(original) * i128::from(TRIGGER_PERCENT)
}

/// The repeat order's rule (DESIGN.md §2), for every trigger alike:
/// no repeat order, or a paused one, buys nothing; credit ahead skips the purchase; the cap
/// refuses one that would pass it; otherwise buy.
///
/// Credit ahead skips only when it can carry the faxes: any credit for a card reaching 95% (the
/// faxes go on to it, and it fires the order itself at 95%), but after a refusal only credit
/// that covers the refused fax — otherwise every fax of that size would be refused for good.
pub fn decide(s: &Situation) -> Decision {
    let Some(plan) = s.plan else { return Decision::NoRepeatOrder };
    if plan.paused {
        return Decision::Paused;
    }
    let needed = match s.trigger {
        Trigger::Refusal { cost } => cost.max(1),
        Trigger::Threshold | Trigger::Armed | Trigger::Retry => 1,
    };
    if s.credit_ahead >= needed {
        return Decision::Skip { credit_ahead: s.credit_ahead };
    }
    if !cap_allows(plan.monthly_cap, s.spent_this_month, plan.price) {
        return Decision::Capped {
            cap: plan.monthly_cap.unwrap_or_default(),
            spent: s.spent_this_month,
            price: plan.price,
        };
    }
    Decision::Buy
}

#[cfg(test)]
mod tests {
    use super::*;

    const STARTER: Plan = Plan { price: 200_000, monthly_cap: None, paused: false };

    fn at(trigger: Trigger, credit_ahead: i64, spent: i64, cap: Option<i64>) -> Decision {
        decide(&Situation {
            plan: Some(Plan { monthly_cap: cap, ..STARTER }),
            trigger,
            credit_ahead,
            spent_this_month: spent,
        })
    }

    #[test]
    fn buys_when_nothing_is_ahead_and_the_cap_allows() {
        for trigger in [Trigger::Threshold, Trigger::Armed, Trigger::Retry, Trigger::Refusal { cost: 15_000 }] {
            assert_eq!(at(trigger, 0, 0, None), Decision::Buy, "{trigger:?}");
            assert_eq!(at(trigger, 0, 100_000, Some(300_000)), Decision::Buy, "{trigger:?}");
        }
    }

    #[test]
    fn skips_while_other_cards_hold_credit_unless_it_cannot_pay_the_refused_fax() {
        assert_eq!(at(Trigger::Threshold, 1, 0, None), Decision::Skip { credit_ahead: 1 });
        assert_eq!(at(Trigger::Retry, 200_000, 0, None), Decision::Skip { credit_ahead: 200_000 });
        assert_eq!(at(Trigger::Refusal { cost: 15_000 }, 5_000, 0, None), Decision::Buy);
        assert_eq!(at(Trigger::Refusal { cost: 15_000 }, 15_000, 0, None), Decision::Skip { credit_ahead: 15_000 });
    }

    #[test]
    fn the_cap_counts_what_was_spent_plus_this_purchase() {
        assert!(cap_allows(Some(300_000), 100_000, 200_000));
        assert!(!cap_allows(Some(300_000), 100_001, 200_000));
        assert!(!cap_allows(Some(i64::MAX), i64::MAX, 1), "no overflow");
        assert!(cap_allows(None, i64::MAX, 1));
        assert_eq!(
            at(Trigger::Retry, 0, 200_000, Some(300_000)),
            Decision::Capped { cap: 300_000, spent: 200_000, price: 200_000 }
        );
    }

    #[test]
    fn no_repeat_order_or_a_paused_one_buys_nothing() {
        let s = Situation { plan: None, trigger: Trigger::Threshold, credit_ahead: 0, spent_this_month: 0 };
        assert_eq!(decide(&s), Decision::NoRepeatOrder);
        let s = Situation { plan: Some(Plan { paused: true, ..STARTER }), ..s };
        assert_eq!(decide(&s), Decision::Paused);
    }

    #[test]
    fn the_threshold_is_95_percent_exactly() {
        assert!(!reached_threshold(94_999, 100_000));
        assert!(reached_threshold(95_000, 100_000));
        assert!(reached_threshold(i64::MAX, i64::MAX));
    }
}
