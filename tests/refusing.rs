//! The alert state of the Outbound Fax Credit page: whether faxes are refused now, how many
//! since credit last grew, and when a credit account's credit returns.

mod common;

use common::*;
use faxcredit::account::AccountKind;
use faxcredit::billing::bill;
use faxcredit::ledger::{self, apply_card};

on_both! {
fn a_prepaid_account_refuses_until_credit_is_added(backend) {
    let mut s = prepaid_on(&backend);
    let now = t("2026-11-02T12:00:00Z");
    let r = ledger::refusing(&mut s.db, now).unwrap();
    assert!(r.refusing, "no card: nothing can be paid");
    apply_card(&mut s.db, dec("1.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let r = ledger::refusing(&mut s.db, now).unwrap();
    assert_eq!((r.refusing, r.recent, r.until), (false, 0, None));
    // 0.90 billed, then a fax of 0.50 is refused: 0.10 is left, and faxes are refused.
    bill(&mut s.db, &fax("a", 9), t("2026-11-01T10:00:00Z")).unwrap();
    assert!(bill(&mut s.db, &fax("b", 5), t("2026-11-01T11:00:00Z")).is_err());
    let r = ledger::refusing(&mut s.db, now).unwrap();
    assert_eq!((r.refusing, r.recent, r.last_at.as_deref()), (true, 1, Some("2026-11-01T11:00:00Z")));
    // A new card: the old refusals no longer say anything about now.
    apply_card(&mut s.db, dec("5.00"), dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
    let r = ledger::refusing(&mut s.db, now).unwrap();
    assert_eq!((r.refusing, r.recent), (false, 0));
}
}

on_both! {
fn a_credit_account_refuses_until_next_month(backend) {
    let mut s = account_on(&backend, AccountKind::Credit);
    let now = t("2026-11-20T12:00:00Z");
    ledger::cards::roll_credit_month(&mut s.db, t("2026-11-01T00:00:00Z")).unwrap();
    // The month's limit is 10.00: a fax of 10.00 uses it all.
    bill(&mut s.db, &priced("all", "100", "0.10"), t("2026-11-10T10:00:00Z")).unwrap();
    let r = ledger::refusing(&mut s.db, now).unwrap();
    assert!(r.refusing);
    assert_eq!(r.until.as_deref(), Some("2026-12-01T00:00:00Z"));
}
}
