//! A prepaid account that buys: a card on file (in a keyring of the test's own), one 10.00 card
//! and a Starter repeat order, with the purchase protocol run in-process against the ledger's
//! sandbox processor, counting the calls it makes. Shared by the repeat order's tests.

use faxcredit::ledger::{apply_card, Outcome};
use faxcredit::orders::{self, Crash, Purchaser};
use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::payments::{Fault, PaymentGateway};
use faxcredit::secrets::MemoryStore;
use faxcredit::secrets::SecretStore;
use faxcredit::time::{Clock, FixedClock, Timestamp};
use faxcredit::{notify, repeat};

use super::counting::{Calls, Counting};
use super::{dec, fax, t, Backend, TestDb};

/// The purchase protocol as the front ends run it (the repeat order's follow-up), never crashing.
pub fn purchaser<'a>(
    gateway: &'a dyn PaymentGateway,
    secrets: &'a dyn SecretStore,
    clock: &'a dyn Clock,
) -> Purchaser<'a> {
    Purchaser { gateway, secrets, clock, follow_up: &faxcredit::repeat::AfterPurchase, crash: None }
}

pub struct Account {
    pub s: TestDb,
    pub secrets: MemoryStore,
    pub clock: FixedClock,
    /// Every call the protocol made to the processor.
    pub calls: Calls,
}

/// A prepaid account on `backend` with one 10.00 card, the card `number` on file and a Starter
/// repeat order (with a monthly `cap`).
pub fn account(backend: &Backend, number: &str, cap: Option<&str>) -> Account {
    let mut s = super::prepaid_on(backend);
    let secrets = MemoryStore::default();
    let input = CardInput { number: number.into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
    payment_method::set(&mut s.db, &secrets, &input, &super::tester(), t("2026-11-01T00:00:00Z")).unwrap();
    apply_card(&mut s.db, dec("10.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    repeat::set(&mut s.db, "starter", cap.map(dec), &super::tester(), t("2026-11-01T00:00:00Z")).unwrap();
    Account { s, secrets, clock: FixedClock::new(t("2026-11-24T10:00:00Z")), calls: Calls::default() }
}

impl Account {
    pub fn reconcile(&mut self) -> orders::ReconcileReport {
        self.reconcile_with(None)
    }

    /// Runs the purchase protocol's start-up step; with `crash`, it stops there as a process
    /// that died would.
    pub fn reconcile_with(&mut self, crash: Option<Crash>) -> orders::ReconcileReport {
        let gw = Counting { inner: self.s.sandbox(Fault::None), calls: self.calls.clone() };
        let p = Purchaser {
            gateway: &gw,
            secrets: &self.secrets,
            clock: &self.clock,
            follow_up: &faxcredit::repeat::AfterPurchase,
            crash: crash.map(|c| (c, false)),
        };
        match orders::reconcile(&mut self.s.db, &p) {
            Err(faxcredit::Error::Cancelled) if crash.is_some() => orders::ReconcileReport::default(),
            r => r.expect("reconcile"),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Bills `pages` pages (0.10 each) as fax `id`.
    pub fn bill(&mut self, id: &str, pages: i64) {
        self.try_bill(id, pages).unwrap();
    }

    pub fn try_bill(&mut self, id: &str, pages: i64) -> faxcredit::Result<Outcome> {
        let now = self.now();
        faxcredit::billing::bill(&mut self.s.db, &fax(id, pages), now)
    }

    /// Cards bought, by the ledger.
    pub fn bought(&self) -> i64 {
        self.s.count("SELECT count(*) FROM cards WHERE source = 'purchase'")
    }

    /// Charges the processor approved, by its own records: one per key, however often a key was
    /// sent. The calls the protocol made are in `calls`.
    pub fn charges(&self) -> i64 {
        self.s.sandbox(Fault::None).approved_charges().unwrap()
    }

    pub fn log_events(&self) -> Vec<String> {
        repeat::log(&self.s.db, 100).unwrap().into_iter().rev().map(|e| e.event).collect()
    }

    /// The repeat order's emails and the refusals, oldest first (the low-credit alerts of the
    /// account's default level are tests/alerts.rs's).
    pub fn mails(&self) -> Vec<String> {
        notify::messages(&self.s.db, 100)
            .unwrap()
            .into_iter()
            .rev()
            .filter(|m| m.kind != "low_credit")
            .map(|m| m.subject)
            .collect()
    }

    /// The manager stores another payment card.
    pub fn store_card(&mut self, number: &str) {
        let input = CardInput { number: number.into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
        let now = self.now();
        payment_method::set(&mut self.s.db, &self.secrets, &input, &super::tester(), now).unwrap();
    }

    pub fn order(&self, key: &str) -> orders::Order {
        orders::orders(&self.s.db).unwrap().into_iter().find(|o| o.key == key).expect("order")
    }

    /// The month's automatic purchases, paid.
    pub fn bought_automatically(&self) -> i64 {
        self.s.count("SELECT coalesce(sum(face_value), 0) FROM orders WHERE kind = 'automatic' AND status = 'paid'")
    }
}

/// Each line of a billed fax: its card and amount.
pub fn lines_of(o: &Outcome) -> Vec<(i64, String)> {
    match o {
        Outcome::Billed { lines, .. } => lines.iter().map(|l| (l.card_id, l.amount.to_string())).collect(),
        other => panic!("not billed: {other:?}"),
    }
}
