//! The billing rules of DESIGN.md §2, each named by its behaviour.

mod common;

use common::*;
use faxcredit::account::AccountKind;
use faxcredit::billing::bill;
use faxcredit::ledger::{self, apply_card, CardStatus, Outcome};

on_both! {
fn bills_a_fax_to_the_open_card_at_the_rate_table_price(backend) {
    let mut s = prepaid_on(&backend);
    let c = apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let out = bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:01:00Z")).unwrap();
    match out {
        Outcome::Billed { cost, lines, .. } => {
            assert_eq!(cost.to_string(), "0.3000");
            assert_eq!(lines.len(), 1);
            assert_eq!(lines[0].card_id, c.id);
        }
        o => panic!("{o:?}"),
    }
    let c = card(&mut s.db, c.id);
    assert_eq!(c.used.to_string(), "0.3000");
    assert_eq!(c.balance.to_string(), "19.7000");
    assert_eq!(c.percent_used.to_string(), "1.50");
    assert_eq!(c.status, CardStatus::Active);
    assert_sound(&mut s.db);
}
}

on_both! {
fn billing_the_same_fax_again_returns_exists_and_changes_nothing(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:01:00Z")).unwrap();
    let before = ledger::cards(&mut s.db).unwrap();
    let again = bill(&mut s.db, &fax("F1", 3), t("2026-11-01T11:00:00Z")).unwrap();
    assert_eq!(again, Outcome::Exists { fax_id: "F1".into() });
    assert_eq!(ledger::cards(&mut s.db).unwrap(), before);
    assert_sound(&mut s.db);
}
}

on_both! {
fn billing_the_same_id_with_a_different_field_names_the_field_and_changes_nothing(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:01:00Z")).unwrap();
    let before = ledger::cards(&mut s.db).unwrap();
    let cases: Vec<(&str, faxcredit::ledger::RawFax)> = vec![
        ("exists_with_different_pages", raw("F1", 4)),
        ("exists_with_different_user", faxcredit::ledger::RawFax { user_id: Some("alice".into()), ..raw("F1", 3) }),
        (
            "exists_with_different_destination",
            faxcredit::ledger::RawFax { destination_fax: Some("+12125550199".into()), ..raw("F1", 3) },
        ),
        (
            "exists_with_different_submit_time",
            faxcredit::ledger::RawFax { submit_time: Some("2026-11-01T10:00:01Z".into()), ..raw("F1", 3) },
        ),
        ("exists_with_different_subject", faxcredit::ledger::RawFax { subject: Some("x".into()), ..raw("F1", 3) }),
        ("exists_with_different_duration", faxcredit::ledger::RawFax { duration: Some("9".into()), ..raw("F1", 3) }),
        ("exists_with_different_status", faxcredit::ledger::RawFax { status: Some("3931".into()), ..raw("F1", 3) }),
    ];
    for (code, r) in cases {
        let e = bill(&mut s.db, &r.validate().unwrap(), t("2026-11-01T11:00:00Z")).unwrap_err();
        assert_eq!(e.code(), code);
        assert_eq!(e.exit_code(), 4);
    }
    assert_eq!(ledger::cards(&mut s.db).unwrap(), before);
    assert_sound(&mut s.db);
}
}

on_both! {
fn splits_a_fax_across_two_cards_oldest_first_and_closes_the_empty_one(backend) {
    let mut s = prepaid_on(&backend);
    let a = apply_card(&mut s.db, dec("1.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let b = apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
    assert_eq!(card(&mut s.db, b.id).status, CardStatus::Queued);
    bill(&mut s.db, &fax("F1", 8), t("2026-11-03T00:00:00Z")).unwrap();
    let out = bill(&mut s.db, &fax("F2", 5), t("2026-11-03T00:01:00Z")).unwrap();
    let Outcome::Billed { lines, closed_cards, .. } = out else { panic!() };
    assert_eq!(
        lines.iter().map(|l| (l.card_id, l.amount.to_string())).collect::<Vec<_>>(),
        vec![(a.id, "0.2000".into()), (b.id, "0.3000".into())]
    );
    assert_eq!(closed_cards, vec![a.id]);
    let ca = card(&mut s.db, a.id);
    assert_eq!(ca.status, CardStatus::Depleted);
    assert_eq!(ca.close_date.as_deref(), Some("2026-11-03T00:01:00Z"));
    assert_eq!(card(&mut s.db, b.id).status, CardStatus::Active);
    for id in [a.id, b.id] {
        let page =
            ledger::activity_page(&mut s.db, &ledger::ActivityQuery { card_id: id, limit: 10, ..Default::default() })
                .unwrap();
        let f2 = page.lines.iter().find(|l| l.fax_id == "F2").unwrap();
        assert!(f2.split, "both lines of a split fax are marked");
        assert_eq!(f2.fax_cost.to_string(), "0.5000");
    }
    assert_sound(&mut s.db);
}
}

on_both! {
fn refuses_a_fax_the_open_cards_cannot_cover_with_205000_and_bills_nothing(backend) {
    let mut s = prepaid_on(&backend);
    let c = apply_card(&mut s.db, dec("0.50"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let e = bill(&mut s.db, &fax("BIG", 6), t("2026-11-01T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "quota_exceeded");
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().starts_with("205000 - Quota Exceeded"), "{e}");
    assert_eq!(card(&mut s.db, c.id).used.to_string(), "0.0000");
    let attempts = ledger::attempts(&s.db, 10).unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].fax_id, "BIG");
    assert_eq!(attempts[0].cost.to_string(), "0.6000");
    assert_eq!(attempts[0].available.to_string(), "0.5000");
    assert_sound(&mut s.db);
}
}

on_both! {
fn a_refused_fax_pins_nothing_and_bills_once_credit_is_added(backend) {
    let mut s = prepaid_on(&backend);
    let e = bill(&mut s.db, &fax("F1", 2), t("2026-11-01T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "quota_exceeded");
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T10:05:00Z")).unwrap();
    assert!(matches!(bill(&mut s.db, &fax("F1", 2), t("2026-11-01T10:06:00Z")).unwrap(), Outcome::Billed { .. }));
    assert!(matches!(bill(&mut s.db, &fax("F1", 2), t("2026-11-01T10:07:00Z")).unwrap(), Outcome::Exists { .. }));
    assert_sound(&mut s.db);
}
}

on_both! {
fn prices_from_the_record_when_it_carries_units_and_cost_per_unit(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let Outcome::Billed { cost, .. } =
        bill(&mut s.db, &priced("P1", "3", "0.0725"), t("2026-11-01T10:00:00Z")).unwrap()
    else {
        panic!()
    };
    assert_eq!(cost.to_string(), "0.2175");
    // 1.5 × 0.00003 = 0.000045 rounds half away from zero to 0.0000; 2.5 × 0.00003 = 0.000075 to 0.0001
    let Outcome::Billed { cost, .. } =
        bill(&mut s.db, &priced("P2", "0.5", "0.0001"), t("2026-11-01T10:00:00Z")).unwrap()
    else {
        panic!()
    };
    assert_eq!(cost.to_string(), "0.0001");
    let Outcome::Billed { cost, .. } =
        bill(&mut s.db, &priced("P3", "0.4", "0.0001"), t("2026-11-01T10:00:00Z")).unwrap()
    else {
        panic!()
    };
    assert_eq!(cost.to_string(), "0.0000");
    assert_sound(&mut s.db);
}
}

on_both! {
fn prices_by_the_tenth_minute_where_the_rate_says_so(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let f = faxcredit::ledger::RawFax {
        destination_fax: Some("+61 2 9999 0000".into()),
        duration: Some("61".into()),
        ..raw("AU", 2)
    };
    let Outcome::Billed { cost, units, cost_per_unit, .. } =
        bill(&mut s.db, &f.validate().unwrap(), t("2026-11-01T10:00:00Z")).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (units.to_string(), cost_per_unit.to_string(), cost.to_string()),
        ("1.1000".into(), "0.0600".into(), "0.0660".into())
    );
    let other = faxcredit::ledger::RawFax { destination_fax: Some("+9771234567".into()), ..raw("NP", 2) };
    let Outcome::Billed { cost, .. } = bill(&mut s.db, &other.validate().unwrap(), t("2026-11-01T10:00:00Z")).unwrap()
    else {
        panic!()
    };
    assert_eq!(cost.to_string(), "0.5000", "other destinations: 0.25 a page");
    assert_sound(&mut s.db);
}
}

on_both! {
fn a_zero_cost_fax_is_recorded_without_needing_credit(backend) {
    let mut s = prepaid_on(&backend);
    let f = faxcredit::ledger::RawFax {
        pages_submitted: Some("3".into()),
        pages_sent: Some("0".into()),
        status: Some("3931".into()),
        ..raw("Z", 0)
    };
    assert!(matches!(
        bill(&mut s.db, &f.validate().unwrap(), t("2026-11-01T10:00:00Z")).unwrap(),
        Outcome::Billed { .. }
    ));
    assert_sound(&mut s.db);
}
}

on_both! {
fn activity_lines_and_faxes_can_never_be_updated_or_deleted(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:00:00Z")).unwrap();
    for sql in
        ["UPDATE activity SET amount = 0", "DELETE FROM activity", "UPDATE faxes SET cost = 0", "DELETE FROM faxes"]
    {
        let e = s.db.conn().execute(sql, &[]).unwrap_err();
        assert!(e.to_string().contains("never"), "{sql}: {e}");
    }
    assert_sound(&mut s.db);
}
}

on_both! {
fn check_reports_a_tampered_card(backend) {
    let mut s = prepaid_on(&backend);
    let c = apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:00:00Z")).unwrap();
    s.db.conn().execute("UPDATE cards SET used = used + 1 WHERE id = ?1", &[&c.id]).unwrap();
    let r = ledger::check(&mut s.db).unwrap();
    assert!(!r.ok());
    assert!(r.problems.iter().any(|p| p.contains(&format!("card {}", c.id))), "{:?}", r.problems);
}
}

on_both! {
fn a_credit_account_bills_a_card_per_calendar_month_up_to_its_limit(backend) {
    let mut s = account_on(&backend, AccountKind::Credit);
    // init opened October's card (limit 10.00).
    let cards = ledger::cards(&mut s.db).unwrap();
    assert_eq!(cards.len(), 1);
    let oct = cards[0].id;
    bill(&mut s.db, &fax("O1", 60), t("2026-10-20T10:00:00Z")).unwrap();
    let e = bill(&mut s.db, &fax("O2", 50), t("2026-10-21T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "quota_exceeded", "October's limit is reached");
    // November opens a new card; October closes at its month end, with its credit left unused.
    let Outcome::Billed { lines, .. } = bill(&mut s.db, &fax("N1", 50), t("2026-11-02T10:00:00Z")).unwrap() else {
        panic!()
    };
    let nov = lines[0].card_id;
    assert_ne!(nov, oct);
    let c_oct = card(&mut s.db, oct);
    assert_eq!(c_oct.status, CardStatus::Closed);
    assert_eq!(c_oct.close_date.as_deref(), Some("2026-11-01T00:00:00Z"));
    let c_nov = card(&mut s.db, nov);
    assert_eq!(c_nov.previous_card, Some(oct));
    assert_eq!(c_nov.issue_date, "2026-11-01T00:00:00Z");
    assert_eq!(c_nov.used.to_string(), "5.0000");
    assert_eq!(c_nov.package.as_deref(), Some("Monthly credit"));
    assert_sound(&mut s.db);
    // A credit account never gets a prepaid card.
    let e = apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-02T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "not_prepaid");
}
}

on_both! {
fn applied_cards_take_the_catalog_name_and_chain_to_the_previous_card(backend) {
    let mut s = prepaid_on(&backend);
    let a = apply_card(&mut s.db, dec("50"), dec("2.50"), t("2026-11-01T00:00:00Z")).unwrap();
    let b = apply_card(&mut s.db, dec("42"), dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
    assert_eq!(a.package.as_deref(), Some("Standard"));
    assert_eq!(a.original_balance.to_string(), "52.5000");
    assert_eq!(a.id, 1001);
    assert_eq!(b.package, None);
    assert_eq!(b.previous_card, Some(a.id));
    for (v, bonus) in [("0", "0"), ("-5", "0"), ("abc", "0"), ("10.00001", "0")] {
        let r = faxcredit::money::parse_amount(v, "value")
            .and_then(|v| apply_card(&mut s.db, v, dec(bonus), t("2026-11-02T00:00:00Z")));
        assert_eq!(r.unwrap_err().exit_code(), 2, "{v}");
    }
    assert_eq!(ledger::cards(&mut s.db).unwrap().len(), 2);
}
}

on_both! {
fn pages_activity_by_keyset_newest_first_and_filters_by_user_and_time(backend) {
    let mut s = prepaid_on(&backend);
    let c = apply_card(&mut s.db, dec("500"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    for i in 0..25 {
        let user = if i % 5 == 0 { "alice" } else { "bob" };
        let f = faxcredit::ledger::RawFax {
            user_id: Some(user.into()),
            submit_time: Some(format!("2026-11-01T10:{i:02}:00Z")),
            ..raw(&format!("F{i:02}"), 1)
        };
        bill(&mut s.db, &f.validate().unwrap(), t("2026-11-01T12:00:00Z")).unwrap();
    }
    let mut q = ledger::ActivityQuery { card_id: c.id, limit: 10, ..Default::default() };
    let mut seen = Vec::new();
    loop {
        let p = ledger::activity_page(&mut s.db, &q).unwrap();
        seen.extend(p.lines.iter().map(|l| l.fax_id.clone()));
        match p.next_before {
            Some(b) => q.before = Some(b),
            None => break,
        }
    }
    let want: Vec<String> = (0..25).rev().map(|i| format!("F{i:02}")).collect();
    assert_eq!(seen, want);
    let alice = ledger::activity_page(
        &mut s.db,
        &ledger::ActivityQuery { card_id: c.id, limit: 100, user: Some("alice".into()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(alice.lines.len(), 5);
    let window = ledger::activity_page(
        &mut s.db,
        &ledger::ActivityQuery {
            card_id: c.id,
            limit: 100,
            from: Some(t("2026-11-01T10:10:00Z")),
            to: Some(t("2026-11-01T10:15:00Z")),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        window.lines.iter().map(|l| l.fax_id.as_str()).collect::<Vec<_>>(),
        vec!["F14", "F13", "F12", "F11", "F10"]
    );
    let empty = apply_card(&mut s.db, dec("5"), dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
    let p =
        ledger::activity_page(&mut s.db, &ledger::ActivityQuery { card_id: empty.id, limit: 10, ..Default::default() })
            .unwrap();
    assert!(p.lines.is_empty() && p.next_before.is_none());
    assert_eq!(
        ledger::activity_page(&mut s.db, &ledger::ActivityQuery { card_id: 9999, limit: 10, ..Default::default() })
            .unwrap_err()
            .code(),
        "not_found"
    );
}
}

#[test]
fn refuses_to_open_a_file_that_is_not_a_ledger_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.db");
    std::fs::write(&p, b"this is not a database, just some text\n".repeat(200)).unwrap();
    let before = std::fs::read(&p).unwrap();
    let e = faxcredit::Db::open(&p).unwrap_err();
    assert_eq!(e.code(), "not_a_database");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    // Another program's SQLite database is not ours either.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    assert_eq!(faxcredit::Db::open(&other).unwrap_err().code(), "not_a_database");
    assert_eq!(faxcredit::Db::open(&dir.path().join("missing.db")).unwrap_err().code(), "no_database");
}

#[test]
fn refuses_a_database_from_a_newer_version() {
    let s = prepaid();
    let path = s.path();
    drop(s.db);
    rusqlite::Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 999").unwrap();
    let e = faxcredit::Db::open(&path).unwrap_err();
    assert_eq!(e.code(), "newer_schema");
}

on_both! {
fn summarizes_remaining_credit_and_daily_spend(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("5"), dec("0"), t("2026-10-01T00:00:00Z")).unwrap();
    faxcredit::account::set_time_zone(
        &mut s.db,
        Some("UTC"),
        &faxcredit::audit::Actor::cli("test"),
        common::t("2026-01-01T00:00:00Z"),
    )
    .unwrap();
    // Spend falls on the day a fax was submitted, whenever it is billed.
    let at = |id: &str, pages: i64, when: &str| {
        let mut r = common::raw(id, pages);
        r.submit_time = Some(when.into());
        r.validate().unwrap()
    };
    bill(&mut s.db, &at("A", 3, "2026-10-30T10:00:00Z"), t("2026-10-30T10:00:00Z")).unwrap();
    bill(&mut s.db, &at("B", 2, "2026-11-02T10:00:00Z"), t("2026-11-02T10:00:00Z")).unwrap();
    bill(&mut s.db, &at("C", 1, "2026-11-02T23:59:59Z"), t("2026-11-03T00:00:05Z")).unwrap();
    let sum = ledger::summary(&mut s.db, t("2026-11-03T08:00:00Z"), 90).unwrap();
    assert_eq!(sum.remaining.to_string(), "4.4000");
    assert_eq!(sum.spend_this_month.to_string(), "0.3000");
    assert_eq!(sum.faxes_this_month, 2);
    assert_eq!(sum.daily.len(), 90);
    assert_eq!(sum.daily.last().unwrap().day, "2026-11-03");
    let nov2 = sum.daily.iter().find(|d| d.day == "2026-11-02").unwrap();
    assert_eq!((nov2.amount.to_string(), nov2.faxes), ("0.3000".into(), 2));
    let oct30 = sum.daily.iter().find(|d| d.day == "2026-10-30").unwrap();
    assert_eq!(oct30.amount.to_string(), "0.3000");
    assert_sound(&mut s.db);
}
}

on_both! {
fn a_fax_billed_before_is_answered_as_such_even_when_the_cards_are_empty(backend) {
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("0.30"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:01:00Z")).unwrap();
    // Nothing left: a new fax is refused, but the same one again is `Exists`, a changed one the
    // field that differs, and neither is logged as a refusal.
    assert_eq!(
        bill(&mut s.db, &fax("F1", 3), t("2026-11-01T10:02:00Z")).unwrap(),
        Outcome::Exists { fax_id: "F1".into() }
    );
    let e = bill(&mut s.db, &fax("F1", 4), t("2026-11-01T10:03:00Z")).unwrap_err();
    assert_eq!(e.code(), "exists_with_different_pages");
    assert!(ledger::attempts(&s.db, 10).unwrap().is_empty());
    assert_eq!(bill(&mut s.db, &fax("F2", 1), t("2026-11-01T10:04:00Z")).unwrap_err().code(), "quota_exceeded");
    assert_sound(&mut s.db);
}
}

on_both! {
fn each_fax_of_one_transaction_keeps_the_time_it_was_billed_at(backend) {
    // Each fax of a transaction (an import batch) is stored with the time it was billed at,
    // not the first fax's.
    let mut s = prepaid_on(&backend);
    apply_card(&mut s.db, dec("20"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    s.db.write(|tx| {
        let mut reactions = faxcredit::ledger::NoReactions;
        let mut biller = faxcredit::ledger::Biller::new(tx, &mut reactions)?;
        biller.bill(&fax("A1", 1), t("2026-11-01T10:00:00Z"))?;
        biller.bill(&fax("A2", 1), t("2026-11-01T10:00:00Z"))?;
        biller.bill(&fax("A3", 1), t("2026-11-01T11:30:00Z"))?;
        biller.finish()
    })
    .unwrap();
    let billed: Vec<(String, String)> = s
        .db
        .read(|tx| tx.query("SELECT id, billed_at FROM faxes ORDER BY seq", &[], |r| Ok((r.get(0)?, r.get(1)?))))
        .unwrap();
    let at = |id: &str, when: &str| (id.to_string(), when.to_string());
    assert_eq!(
        billed,
        [at("A1", "2026-11-01T10:00:00Z"), at("A2", "2026-11-01T10:00:00Z"), at("A3", "2026-11-01T11:30:00Z")]
    );
}
}
