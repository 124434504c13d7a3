//! The purchase protocol: exactly once across crashes at every step, concurrent purchases with
//! one key, every decline of the sandbox processor, and prepaid-only.

mod common;

use std::sync::Arc;

use common::{t, Backend, TestDb};
use faxcredit::account::AccountKind;
use faxcredit::orders::{self, Crash, Purchaser, Status};
use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::payments::{Fault, Sandbox};
use faxcredit::secrets::MemoryStore;
use faxcredit::time::FixedClock;
use faxcredit::Db;

struct Shop {
    s: TestDb,
    secrets: MemoryStore,
    clock: FixedClock,
}

fn shop_with(backend: &Backend, number: &str) -> Shop {
    let mut s = common::prepaid_on(backend);
    let secrets = MemoryStore::default();
    let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
    let input = CardInput { number: number.into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
    payment_method::set(&mut s.db, &secrets, &input, &common::tester(), t("2026-11-24T09:00:00Z")).unwrap();
    Shop { s, secrets, clock }
}

impl Shop {
    fn sandbox(&self, fault: Fault) -> Sandbox {
        self.s.sandbox(fault)
    }
    fn buy(&mut self, fault: Fault, crash: Option<Crash>, key: &str) -> faxcredit::Result<orders::Order> {
        let gw = self.sandbox(fault);
        let p = Purchaser {
            gateway: &gw,
            secrets: &self.secrets,
            clock: &self.clock,
            follow_up: &faxcredit::repeat::AfterPurchase,
            crash: crash.map(|c| (c, false)),
        };
        orders::purchase(&mut self.s.db, &p, "Standard", key, false, &common::tester())
    }
    fn reconcile(&mut self, fault: Fault) -> orders::ReconcileReport {
        let gw = self.sandbox(fault);
        let p = common::buying::purchaser(&gw, &self.secrets, &self.clock);
        orders::reconcile(&mut self.s.db, &p).unwrap()
    }
    fn purchased_cards(&self) -> i64 {
        self.s.count("SELECT count(*) FROM cards WHERE source = 'purchase'")
    }
    fn charges(&self) -> i64 {
        self.sandbox(Fault::None).approved_charges().unwrap()
    }
}

on_both! {
    fn buys_a_card_with_the_stored_card(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        let o = shop.buy(Fault::None, None, "manual:a").unwrap();
        assert_eq!(o.status, Status::Paid);
        assert_eq!((o.card_brand.as_str(), o.card_last4.as_str()), ("Visa", "4242"));
        let c = faxcredit::ledger::cards::card(shop.s.db.conn(), o.new_card.unwrap()).unwrap();
        assert_eq!(c.package.as_deref(), Some("Standard"));
        assert_eq!(c.original_balance, common::dec("52.5"));
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
        common::assert_sound(&mut shop.s.db);
    }
}

on_both! {
    fn the_same_key_twice_buys_once(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        let a = shop.buy(Fault::None, None, "manual:k").unwrap();
        let b = shop.buy(Fault::None, None, "manual:k").unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
        let c = shop.buy(Fault::None, None, "manual:other").unwrap();
        assert_ne!(c.id, a.id);
        assert_eq!((shop.purchased_cards(), shop.charges()), (2, 2));
    }
}

on_both! {
    fn a_crash_before_the_charge_is_finished_at_the_next_start(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        assert_eq!(shop.buy(Fault::None, Some(Crash::AfterOrder), "manual:c").unwrap_err().code(), "cancelled");
        assert_eq!((shop.purchased_cards(), shop.charges()), (0, 0), "order written, nothing charged");
        let r = shop.reconcile(Fault::None);
        assert_eq!(r.paid, 1);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
        assert_eq!(shop.reconcile(Fault::None).paid, 0);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
    }
}

on_both! {
    fn a_crash_after_the_charge_records_the_same_charge_once(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        assert!(shop.buy(Fault::None, Some(Crash::AfterCharge), "manual:c").is_err());
        assert_eq!((shop.purchased_cards(), shop.charges()), (0, 1), "charged, not yet recorded");
        assert_eq!(shop.reconcile(Fault::None).paid, 1);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1), "the processor answered the first charge");
        // And the user retrying with the same key sees the same order, not a second card.
        let o = shop.buy(Fault::None, None, "manual:c").unwrap();
        assert_eq!(o.status, Status::Paid);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
    }
}

on_both! {
    fn a_lost_answer_or_an_unreachable_processor_leaves_the_order_pending(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        let e = shop.buy(Fault::FailAfter, None, "manual:lost").unwrap_err();
        assert_eq!(e.code(), "payment_pending");
        assert_eq!((shop.purchased_cards(), shop.charges()), (0, 1));
        assert_eq!(shop.reconcile(Fault::Timeout).pending, 1, "still no answer: stays pending");
        assert_eq!(shop.reconcile(Fault::None).paid, 1);
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));

        assert_eq!(shop.buy(Fault::FailBefore, None, "manual:down").unwrap_err().code(), "payment_pending");
        assert_eq!(shop.charges(), 1);
        assert_eq!(shop.reconcile(Fault::None).paid, 1);
        assert_eq!((shop.purchased_cards(), shop.charges()), (2, 2));
    }
}

on_both! {
    fn a_crash_after_recording_changes_nothing_more(backend) {
        let mut shop = shop_with(&backend, "4242424242424242");
        shop.buy(Fault::None, None, "manual:r").unwrap();
        let r = shop.reconcile(Fault::None);
        assert_eq!((r.paid, r.pending, r.declined), (0, 0, 0));
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
    }
}

on_both! {
    fn every_stripe_test_decline_is_recorded_with_its_reason_and_adds_nothing(backend) {
        for (number, code, words) in [
            ("4000000000000002", "card_declined", "declined"),
            ("4000000000009995", "insufficient_funds", "insufficient funds"),
            ("4000000000009987", "lost_card", "lost"),
            ("4000000000000069", "expired_card", "expired"),
            ("4000000000000119", "processing_error", "error occurred"),
            ("4000000000000341", "card_declined", "declined"),
        ] {
            let mut shop = shop_with(&backend, number);
            let e = shop.buy(Fault::None, None, "manual:d").unwrap_err();
            assert_eq!(e.code(), "payment_declined", "{number}");
            assert_eq!(e.exit_code(), 6);
            assert!(e.to_string().contains(words), "{number}: {e}");
            let o = &orders::orders(&shop.s.db).unwrap()[0];
            assert_eq!((o.status, o.decline_code.as_deref()), (Status::Declined, Some(code)));
            assert_eq!(shop.purchased_cards(), 0);
            common::assert_sound(&mut shop.s.db);
        }
    }
}

on_both! {
    fn two_purchases_at_once_with_one_key_charge_once(backend) {
        let shop = shop_with(&backend, "4242424242424242");
        let at = shop.s.location();
        let secrets = Arc::new(shop.secrets.clone());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (at, secrets) = (at.clone(), secrets.clone());
                std::thread::spawn(move || {
                    let mut db = Db::open(&at).unwrap();
                    let gw = Sandbox::for_ledger(&at, Fault::None);
                    let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
                    let p = common::buying::purchaser(&gw, &*secrets, &clock);
                    orders::purchase(&mut db, &p, "standard", "manual:same", false, &common::tester()).unwrap().id
                })
            })
            .collect();
        let ids: Vec<i64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        assert_eq!((shop.purchased_cards(), shop.charges()), (1, 1));
    }
}

on_both! {
    fn credit_accounts_cannot_buy_or_store_a_card(backend) {
        let mut s = common::account_on(&backend, AccountKind::Credit);
        let secrets = MemoryStore::default();
        let input = CardInput { number: "4242424242424242".into(), expiry: "12/28".into(), holder: "A".into(), cvv: None };
        let e = payment_method::set(&mut s.db, &secrets, &input, &common::tester(), t("2026-11-24T09:00:00Z")).unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("not_prepaid", 5));
        assert_eq!(secrets.get_for_test("payment-card"), None, "nothing reached the keyring");
    }
}

on_both! {
    fn without_a_keyring_nothing_is_stored_and_nothing_is_bought(backend) {
        let mut s = common::prepaid_on(&backend);
        let refusing = MemoryStore::refusing();
        let input = CardInput { number: "4242424242424242".into(), expiry: "12/28".into(), holder: "A".into(), cvv: None };
        let e =
            payment_method::set(&mut s.db, &refusing, &input, &common::tester(), t("2026-11-24T09:00:00Z")).unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("keyring_unavailable", 7));
        assert_eq!(payment_method::on_file(&s.db, t("2026-11-24T09:00:00Z")).unwrap(), None);
        let gw = s.sandbox(Fault::None);
        let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
        let p = common::buying::purchaser(&gw, &refusing, &clock);
        assert_eq!(
            orders::purchase(&mut s.db, &p, "Standard", "manual:x", false, &common::tester()).unwrap_err().code(),
            "keyring_unavailable"
        );
        assert!(orders::orders(&s.db).unwrap().is_empty());
    }
}

on_both! {
    fn the_order_history_exports_as_rfc_4180_csv(backend) {
        let mut shop = shop_with(&backend, "4000000000009995");
        assert!(shop.buy(Fault::None, None, "manual:a").is_err());
        let mut paid = shop_with(&backend, "4242424242424242");
        // The app records who confirmed the order; the command line records nobody.
        faxcredit::orders::placed_by::record(&mut paid.s.db, "manual:b", "alice").unwrap();
        paid.buy(Fault::None, None, "manual:b").unwrap();
        let mut out = String::new();
        for s in [&shop, &paid] {
            let target = s.s.path().with_extension("orders.csv");
            assert_eq!(faxcredit::export::export_orders(&s.s.db, &target).unwrap(), 1);
            out.push_str(&std::fs::read_to_string(&target).unwrap());
        }
        let header =
            "\u{feff}order_id,created_at,kind,package,amount,bonus,currency,card,status,reason,new_card,trigger_card,placed_by\r\n";
        assert_eq!(
            out,
            format!(
                "{header}1,2026-11-24T10:00:00Z,manual,Standard,50.0000,2.5000,USD,Visa 9995,declined,\
                 Your card was declined: insufficient funds.,,,\r\n\
                 {header}1,2026-11-24T10:00:00Z,manual,Standard,50.0000,2.5000,USD,Visa 4242,paid,,1001,,alice\r\n"
            )
        );
    }
}
