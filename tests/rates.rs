//! The rate table as a manager edits it: a change prices the next fax billed anywhere (this
//! connection's cache, another connection, another process), a fax billed before keeps the
//! rate it was billed at, the preview prices as billing does, and bad input is refused whole.

mod common;

use common::{dec, prepaid, prepaid_on, t};
use faxcredit::billing::bill;
use faxcredit::ledger::{self, Outcome, RawFax};
use faxcredit::rates::{self, RateChange, Unit};
use faxcredit::Db;
use proptest::prelude::*;

fn uk_fax(id: &str, pages: i64) -> ledger::Fax {
    RawFax { destination_fax: Some("+44 20 7946 0000".into()), ..common::raw(id, pages) }.validate().unwrap()
}

fn billed_cpu(o: &Outcome) -> String {
    match o {
        Outcome::Billed { cost_per_unit, .. } => cost_per_unit.to_string(),
        other => panic!("not billed: {other:?}"),
    }
}

/// The manager these tests act as (written to the audit log).
fn manager() -> faxcredit::audit::Actor {
    faxcredit::audit::Actor::app("alice")
}

fn set(db: &mut Db, prefix: &str, price: &str) -> faxcredit::Result<Option<rates::Rate>> {
    rates::change_rates(
        db,
        &RateChange::Set { prefix: prefix.into(), price: price.into(), unit: Unit::Page, label: None },
        &manager(),
        t("2026-11-24T08:00:00Z"),
    )
}

/// The cost per unit of the activity lines of fax `id` on card `card`.
fn line_rate(db: &mut Db, card: i64, id: &str) -> (String, String) {
    let q = ledger::ActivityQuery { card_id: card, limit: 100, ..Default::default() };
    let page = ledger::activity_page(db, &q).unwrap();
    let l = page.lines.iter().find(|l| l.fax_id == id).expect("the fax's line");
    (l.cost_per_unit.to_string(), l.amount.to_string())
}

#[test]
fn a_change_prices_the_next_fax_everywhere_and_old_lines_keep_their_rate() {
    let mut s = prepaid();
    let card = ledger::apply_card(&mut s.db, dec("100"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap().id;
    let now = t("2026-11-02T10:00:00Z");
    // This connection bills (and caches the rate table) first.
    assert_eq!(billed_cpu(&bill(&mut s.db, &uk_fax("before", 2), now).unwrap()), "0.1500");

    // Another connection changes the rate: this one's cache must see it.
    let mut other = Db::open(&s.path()).unwrap();
    set(&mut other, "44", "0.2000").unwrap();
    assert_eq!(billed_cpu(&bill(&mut s.db, &uk_fax("after", 2), now).unwrap()), "0.2000");

    // Another process changes it again.
    let bin = env!("CARGO_BIN_EXE_faxcredit");
    let out = common::cli_with_stdin(bin, &s.path(), &["rates", "set", "+44", "0.25"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(billed_cpu(&bill(&mut s.db, &uk_fax("later", 2), now).unwrap()), "0.2500");

    // Each line keeps the rate it was billed at.
    assert_eq!(line_rate(&mut s.db, card, "before"), ("0.1500".into(), "0.3000".into()));
    assert_eq!(line_rate(&mut s.db, card, "after"), ("0.2000".into(), "0.4000".into()));
    assert_eq!(line_rate(&mut s.db, card, "later"), ("0.2500".into(), "0.5000".into()));
    // Billing the first fax again is `exists`, not a re-pricing.
    assert!(matches!(bill(&mut s.db, &uk_fax("before", 2), now).unwrap(), Outcome::Exists { .. }));
    common::assert_sound(&mut s.db);

    // Removing the prefix sends its numbers to a shorter one, here the default.
    rates::change_rates(&mut other, &RateChange::Remove { prefix: "44".into() }, &manager(), t("2026-11-24T08:00:00Z"))
        .unwrap();
    assert_eq!(billed_cpu(&bill(&mut s.db, &uk_fax("default", 1), now).unwrap()), "0.2500");
    set(&mut other, "default", "0.3").unwrap();
    assert_eq!(billed_cpu(&bill(&mut s.db, &uk_fax("default2", 1), now).unwrap()), "0.3000");
}

on_both! {
fn bad_rate_input_is_refused_naming_its_field_and_nothing_is_saved(backend) {
    let mut s = prepaid_on(&backend);
    let before = rates::rates(&s.db).unwrap();
    let version = |db: &Db| db.conn().query_row("SELECT version FROM rates_version", &[], |r| r.get::<i64>(0)).unwrap();
    let v0 = version(&s.db);
    for (prefix, price, field, words) in [
        ("44", "-0.10", "price", "is negative"),
        ("44", "0.12345", "price", "more than 4 decimal places"),
        ("44", "1e3", "price", "is not an amount"),
        ("44", "", "price", "is not an amount"),
        ("4a", "0.10", "prefix", "digits only"),
        ("+44 20", "0.10", "prefix", "digits only"),
        ("0044", "0.10", "prefix", "starts with 0"),
        ("1234567890123456", "0.10", "prefix", "15 digits"),
    ] {
        let e = set(&mut s.db, prefix, price).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{prefix} {price}");
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{field}: ")) && msg.contains(words), "{prefix} {price}: {msg}");
    }
    let e = rates::change_rates(
        &mut s.db,
        &RateChange::Remove { prefix: "default".into() },
        &manager(),
        t("2026-11-24T08:00:00Z"),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("prefix: "), "{e}");
    let e = rates::change_rates(
        &mut s.db,
        &RateChange::Remove { prefix: "999".into() },
        &manager(),
        t("2026-11-24T08:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert_eq!(rates::rates(&s.db).unwrap(), before, "nothing saved");
    assert_eq!(version(&s.db), v0, "the rate table did not even move");

    // The CLI: exit 2, one line naming the field.
    let bin = env!("CARGO_BIN_EXE_faxcredit");
    for (args, field) in [
        (vec!["rates", "set", "44", "-1"], "price"),
        (vec!["rates", "set", "44", "0.00001"], "price"),
        (vec!["rates", "set", "uk", "0.1"], "prefix"),
        (vec!["rates", "set", "44", "0.1", "--per", "minute"], "unit"),
        (vec!["rates", "remove", "default"], "prefix"),
    ] {
        let out = common::cli_with_stdin(bin, &s.arg, &args, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("faxcredit: {field}: ")), "{args:?}: {err}");
    }
    assert_eq!(rates::rates(&s.db).unwrap(), before, "nothing saved by the CLI either");
}
}

on_both! {
fn a_new_prefix_is_named_after_its_country(backend) {
    let mut s = prepaid_on(&backend);
    assert_eq!(set(&mut s.db, "353", "0.2").unwrap().unwrap().label, "European Union", "an existing label stays");
    assert_eq!(set(&mut s.db, "81", "0.3").unwrap().unwrap().label, "Japan");
    assert_eq!(set(&mut s.db, "4420", "0.1").unwrap().unwrap().label, "United Kingdom (+4420)");
}
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The "price of a fax to…" preview is what billing then charges for that fax.
    #[test]
    fn the_preview_is_what_billing_charges(
        dest in prop::sample::select(vec!["+1 212 555 0100", "+44 20 7946 0000", "+353 1 234 5678", "+61 2 9999 9999", "+81 3 1234 5678"]),
        pages in 1i64..40,
        duration in 0i64..900,
        price in 0u32..5_000,
    ) {
        let mut db = Db::in_memory().unwrap();
        faxcredit::setup::create_account(&mut db, &faxcredit::account::NewAccount {
            name: "P".into(), kind: faxcredit::account::AccountKind::Prepaid, email: "p@p.example".into(),
            currency: "USD".into(), credit_limit: None }, t("2026-01-01T00:00:00Z")).unwrap();
        ledger::apply_card(&mut db, dec("100000"), dec("0"), t("2026-01-01T00:00:00Z")).unwrap();
        let price = faxcredit::money::from_units(i64::from(price)).to_string();
        rates::change_rates(&mut db, &RateChange::Set { prefix: "61".into(), price, unit: Unit::TenthMinute, label: None }, &manager(), t("2026-11-24T08:00:00Z")).unwrap();
        let q = rates::quote(&db, dest, pages, duration).unwrap();
        let fax = RawFax {
            destination_fax: Some(dest.into()),
            duration: Some(duration.to_string()),
            ..common::raw("p", pages)
        }.validate().unwrap();
        match bill(&mut db, &fax, t("2026-01-02T00:00:00Z")).unwrap() {
            Outcome::Billed { cost, units, cost_per_unit, .. } => {
                prop_assert_eq!((cost, units, cost_per_unit), (q.price.cost, q.price.units, q.price.cost_per_unit));
            }
            other => prop_assert!(false, "not billed: {:?}", other),
        }
    }
}

on_both! {
/// Rate edits, the billing details and the time zone are manager actions: each writes its audit
/// line, naming who and what, in the transaction that makes the change; a refused edit writes
/// none.
fn rate_billing_detail_and_zone_changes_are_in_the_audit_log(backend) {
    let mut s = prepaid_on(&backend);
    set(&mut s.db, "44", "0.2").unwrap();
    rates::change_rates(&mut s.db, &RateChange::Remove { prefix: "44".into() }, &manager(), t("2026-11-24T08:01:00Z"))
        .unwrap();
    set(&mut s.db, "44", "-1").unwrap_err();
    let details =
        faxcredit::billing_details::BillingDetailsInput { tax_id: Some("EIN 1".into()), ..Default::default() };
    faxcredit::billing_details::set_billing_details(&mut s.db, &details, &manager(), t("2026-11-24T08:02:00Z"))
        .unwrap();
    faxcredit::account::set_time_zone(&mut s.db, Some("Europe/Dublin"), &manager(), t("2026-11-24T08:03:00Z")).unwrap();
    let log: Vec<(String, String, String)> = faxcredit::audit::entries(&s.db, 10, None)
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| (e.actor, e.action, e.detail))
        .collect();
    let line = |action: &str, detail: &str| ("alice".to_string(), action.to_string(), detail.to_string());
    assert_eq!(
        log,
        [
            line("rate_set", "+44 (United Kingdom): 0.2000 a page"),
            line("rate_removed", "+44"),
            line("account_settings_saved", "billing details: tax ID"),
            line("account_settings_saved", "time zone: Europe/Dublin"),
        ]
    );
}
}
