//! Property test: random sequences of card applications and fax billings (new, repeated,
//! conflicting, too costly, priced by the record or the rate table) keep every invariant after
//! every step, and agree with a simple model of the rules.

mod common;

use std::collections::HashMap;

use common::*;
use faxcredit::billing::bill;
use faxcredit::ledger::{self, apply_card, Outcome, RawFax};
use faxcredit::money;
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    Apply { cents: i64 },
    Bill { id: u8, pages: i64, dest: u8, user: bool, cpu: Option<(u16, u16)> },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (1i64..3_000).prop_map(|cents| Op::Apply { cents }),
        6 => (0u8..25, 0i64..40, 0u8..3, any::<bool>(), proptest::option::of((1u16..500, 1u16..3000)))
            .prop_map(|(id, pages, dest, user, cpu)| Op::Bill { id, pages, dest, user, cpu }),
    ]
}

const DESTS: [(&str, i64); 3] = [("+12125550100", 1_000), ("+442079460000", 1_500), ("+9771234567", 2_500)];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(ops in proptest::collection::vec(op(), 1..60)) {
        let mut db = faxcredit::Db::in_memory().unwrap();
        faxcredit::setup::create_account(&mut db, &faxcredit::account::NewAccount {
            name: "P".into(), kind: faxcredit::account::AccountKind::Prepaid, email: "p@p.example".into(),
            currency: "USD".into(), credit_limit: None }, t("2026-01-01T00:00:00Z")).unwrap();
        faxcredit::account::add_user(&mut db, "bob", faxcredit::account::Role::User, "password1", t("2026-01-01T00:00:00Z")).unwrap();
        faxcredit::account::add_user(&mut db, "amy", faxcredit::account::Role::User, "password1", t("2026-01-01T00:00:00Z")).unwrap();

        // The model: open card balances oldest first, and each billed fax's fields and cost.
        let mut balances: Vec<(i64, i64)> = Vec::new();
        let mut billed: HashMap<u8, (RawFaxKey, i64)> = HashMap::new();
        let mut total_cost = 0i64;
        let now = t("2026-02-01T00:00:00Z");

        for op in ops {
            match op {
                Op::Apply { cents } => {
                    let c = apply_card(&mut db, Decimal::new(cents, 2), Decimal::ZERO, now).unwrap();
                    balances.push((c.id, cents * 100));
                }
                Op::Bill { id, pages, dest, user, cpu } => {
                    let key = RawFaxKey { pages, dest, user, cpu };
                    let raw = RawFax {
                        id: Some(format!("F{id}")),
                        user_id: Some(if user { "amy" } else { "bob" }.into()),
                        destination_fax: Some(DESTS[dest as usize].0.into()),
                        submit_time: Some("2026-01-15T10:00:00Z".into()),
                        pages_sent: Some(pages.to_string()),
                        pages_submitted: Some((pages + 1).to_string()),
                        units: cpu.map(|(u, _)| Decimal::new(i64::from(u), 1).to_string()),
                        cost_per_unit: cpu.map(|(_, c)| Decimal::new(i64::from(c), 4).to_string()),
                        ..RawFax::default()
                    };
                    let expected_cost = match cpu {
                        Some((u, c)) => money::to_units(money::round_cost(Decimal::new(i64::from(u), 1) * Decimal::new(i64::from(c), 4)), "c").unwrap(),
                        None => pages * DESTS[dest as usize].1,
                    };
                    let result = bill(&mut db, &raw.validate().unwrap(), now);
                    match billed.get(&id) {
                        Some((k, _)) if *k == key => prop_assert!(matches!(result, Ok(Outcome::Exists { .. })), "{result:?}"),
                        Some(_) => {
                            let e = result.unwrap_err();
                            prop_assert!(e.code().starts_with("exists_with_different_"), "{e:?}");
                        }
                        None => {
                            let available: i64 = balances.iter().map(|b| b.1).sum();
                            if expected_cost > available {
                                prop_assert_eq!(result.unwrap_err().code(), "quota_exceeded");
                            } else {
                                let out = result.unwrap();
                                let Outcome::Billed { cost, lines, .. } = out else { panic!("{out:?}") };
                                prop_assert_eq!(money::to_units(cost, "c").unwrap(), expected_cost);
                                // Oldest first: the model takes the same parts.
                                let mut left = expected_cost;
                                let mut want = Vec::new();
                                for b in balances.iter_mut() {
                                    if left == 0 { break; }
                                    let take = left.min(b.1);
                                    if take > 0 { want.push((b.0, take)); b.1 -= take; left -= take; }
                                }
                                balances.retain(|b| b.1 > 0);
                                if expected_cost > 0 {
                                    let got: Vec<(i64, i64)> = lines.iter().map(|l| (l.card_id, money::to_units(l.amount, "a").unwrap())).collect();
                                    prop_assert_eq!(got, want);
                                }
                                billed.insert(id, (key, expected_cost));
                                total_cost += expected_cost;
                            }
                        }
                    }
                }
            }
            let report = ledger::check(&mut db).unwrap();
            prop_assert!(report.ok(), "{:?}", report.problems);
            prop_assert_eq!(money::to_units(report.total_billed, "t").unwrap(), total_cost);
            let open: Vec<(i64, i64)> = ledger::cards(&mut db).unwrap().iter().rev()
                .filter(|c| c.close_date.is_none())
                .map(|c| (c.id, money::to_units(c.balance, "b").unwrap()))
                .collect();
            prop_assert_eq!(open, balances.clone());
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawFaxKey {
    pages: i64,
    dest: u8,
    user: bool,
    cpu: Option<(u16, u16)>,
}
