//! View Activity's reads: a card in its faxes' submit-time order (both ways) by keyset and by
//! jumps, searched by destination or subject, the count and amount of what a filter shows, and
//! the CSV export of exactly those lines.

mod common;

use std::ops::ControlFlow;

use common::*;
use faxcredit::billing::bill;
use faxcredit::ledger::{self, apply_card, ActivityFilter, ActivityQuery, RawFax, Sort, TimeKey};

/// 40 faxes billed out of their submit order (as a busy gateway bills them): fax i was
/// submitted at minute `minute(i)`, a permutation of 0..40. Every fourth is alice's, to
/// +44 20 7946 0xxx with subject "Contract i"; the others bob's, to +1 212 555 0100.
fn minute(i: i64) -> i64 {
    (i * 17) % 40
}

fn busy_card_on(backend: &Backend) -> (TestDb, i64) {
    let mut s = prepaid_on(backend);
    let c = apply_card(&mut s.db, dec("500"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    for i in 0..40 {
        let alice = i % 4 == 0;
        let f = RawFax {
            user_id: Some(if alice { "alice" } else { "bob" }.into()),
            destination_fax: Some(if alice { format!("+44 20 7946 0{i:03}") } else { "+1 212 555 0100".into() }),
            subject: alice.then(|| format!("Contract {i}")),
            submit_time: Some(format!("2026-11-01T10:{:02}:00Z", minute(i))),
            ..raw(&format!("F{i:02}"), 1 + i % 3)
        };
        bill(&mut s.db, &f.validate().unwrap(), t("2026-11-01T12:00:00Z")).unwrap();
    }
    (s, c.id)
}

fn busy_card() -> (TestDb, i64) {
    busy_card_on(&Backend::Sqlite)
}

fn all_pages(s: &mut TestDb, mut q: ActivityQuery) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let p = ledger::activity_page(&mut s.db, &q).unwrap();
        seen.extend(p.lines.iter().map(|l| l.submit_time.clone()));
        match p.next_after {
            Some(k) => q.after = Some(k),
            None => return seen,
        }
    }
}

on_both! {
fn pages_a_card_newest_submitted_first_by_keyset_whatever_the_billing_order(backend) {
    let (mut s, card) = busy_card_on(&backend);
    let newest = all_pages(&mut s, ActivityQuery { card_id: card, limit: 7, sort: Sort::Newest, ..Default::default() });
    let want: Vec<String> = (0..40).rev().map(|m| format!("2026-11-01T10:{m:02}:00Z")).collect();
    assert_eq!(newest, want);
    let oldest = all_pages(&mut s, ActivityQuery { card_id: card, limit: 9, sort: Sort::Oldest, ..Default::default() });
    assert_eq!(oldest, want.iter().rev().cloned().collect::<Vec<_>>());
    // The billing order is still there, for the CLI and the export.
    let billed =
        ledger::activity_page(&mut s.db, &ActivityQuery { card_id: card, limit: 3, ..Default::default() }).unwrap();
    assert_eq!(billed.lines.iter().map(|l| l.fax_id.as_str()).collect::<Vec<_>>(), ["F39", "F38", "F37"]);
    assert!(billed.next_after.is_none() && billed.next_before == Some(38));
}
}

on_both! {
fn jumps_to_any_position_in_time_order_and_continues_by_keyset_from_there(backend) {
    let (mut s, card) = busy_card_on(&backend);
    for skip in [0, 1, 13, 38, 39] {
        let p = ledger::activity_page(
            &mut s.db,
            &ActivityQuery { card_id: card, limit: 5, sort: Sort::Newest, skip, ..Default::default() },
        )
        .unwrap();
        let first = 39 - skip;
        assert_eq!(p.lines[0].submit_time, format!("2026-11-01T10:{first:02}:00Z"), "skip {skip}");
        assert_eq!(p.lines.len() as i64, 5.min(40 - skip));
        assert_eq!(p.next_after.is_some(), skip + 5 < 40, "skip {skip}");
    }
    // Ties on the second are ordered by line number, so a keyset never skips or repeats a line.
    let p = ledger::activity_page(
        &mut s.db,
        &ActivityQuery {
            card_id: card,
            limit: 2,
            sort: Sort::Oldest,
            after: Some(TimeKey { submit_time: "2026-11-01T10:05:00Z".into(), n: 0 }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.lines[0].submit_time, "2026-11-01T10:05:00Z");
    let e =
        ledger::activity_page(&mut s.db, &ActivityQuery { card_id: card, limit: 5, skip: -1, ..Default::default() })
            .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}
}

on_both! {
fn searches_destinations_and_subjects_and_counts_what_a_filter_shows(backend) {
    let (mut s, card) = busy_card_on(&backend);
    let search = |s: &mut TestDb, words: &str, sort: Sort| -> Vec<String> {
        let q = ActivityQuery { card_id: card, limit: 100, search: Some(words.into()), sort, ..Default::default() };
        ledger::activity_page(&mut s.db, &q).unwrap().lines.into_iter().map(|l| l.fax_id).collect()
    };
    assert_eq!(search(&mut s, "contract 12", Sort::Billing), ["F12"]);
    assert_eq!(search(&mut s, "CONTRACT", Sort::Billing).len(), 10);
    // Digits match the number whatever its punctuation; `%` and `_` are not wildcards.
    assert_eq!(search(&mut s, "2125550100", Sort::Newest).len(), 30);
    assert_eq!(search(&mut s, "(212) 555-0100", Sort::Newest).len(), 30);
    assert_eq!(search(&mut s, "7946 0008", Sort::Newest), ["F08"]);
    assert!(search(&mut s, "%", Sort::Billing).is_empty());
    assert!(search(&mut s, "Contract_1", Sort::Billing).is_empty());

    let whole = ledger::activity_totals(&mut s.db, card, &ActivityFilter::default()).unwrap();
    let c = ledger::cards::card(s.db.conn(), card).unwrap();
    assert_eq!((whole.lines, whole.amount), (40, c.used));
    let alice = ActivityFilter { user: Some("alice".into()), ..Default::default() };
    let totals = ledger::activity_totals(&mut s.db, card, &alice).unwrap();
    // alice sent faxes 0, 4, … 36 to the UK: pages 1 + i % 3 at 0.15 a page.
    let want: i64 = (0..40).filter(|i| i % 4 == 0).map(|i| 1 + i % 3).sum();
    assert_eq!((totals.lines, totals.amount), (10, dec("0.15") * rust_decimal::Decimal::from(want)));
    let window = ActivityFilter {
        from: Some(t("2026-11-01T10:10:00Z")),
        to: Some(t("2026-11-01T10:20:00Z")),
        search: Some("212".into()),
        ..Default::default()
    };
    let in_window = ledger::activity_totals(&mut s.db, card, &window).unwrap();
    let expect = (0..40).filter(|&i| i % 4 != 0 && (10..20).contains(&minute(i))).count() as i64;
    assert_eq!(in_window.lines, expect);
    let none = ActivityFilter { search: Some("no such words".into()), ..Default::default() };
    assert_eq!(ledger::activity_totals(&mut s.db, card, &none).unwrap().lines, 0);
    let nobody = ActivityFilter { user: Some("zed".into()), ..Default::default() };
    assert_eq!(ledger::activity_totals(&mut s.db, card, &nobody).unwrap_err().code(), "not_found");
}
}

#[test]
fn exports_exactly_the_lines_a_filter_shows() {
    let (mut s, card) = busy_card();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alice.csv");
    let alice = ActivityFilter { user: Some("alice".into()), ..Default::default() };
    let mut last = None;
    let summary = faxcredit::export::export_lines(&mut s.db, card, &alice, &out, Default::default(), &mut |p| {
        last = Some(p);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(summary.rows, 10);
    assert_eq!(last.map(|p| (p.done, p.total)), Some((10, 10)));
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    let rows: Vec<&str> = text.trim_end().split("\r\n").skip(1).collect();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.contains(",alice,")), "{text}");
    // The whole card's export is the same rows as before, filter or not.
    let whole = dir.path().join("whole.csv");
    let n = faxcredit::export::export_lines(
        &mut s.db,
        card,
        &ActivityFilter::default(),
        &whole,
        Default::default(),
        &mut |_| ControlFlow::Continue(()),
    )
    .unwrap();
    assert_eq!(n.rows, 40);
    let plain = dir.path().join("plain.csv");
    faxcredit::export::export_card(&mut s.db, card, &plain, &mut |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(std::fs::read(&whole).unwrap(), std::fs::read(&plain).unwrap());
    // A filter on an unknown user writes nothing.
    let bad = dir.path().join("bad.csv");
    let nobody = ActivityFilter { user: Some("zed".into()), ..Default::default() };
    let e = faxcredit::export::export_lines(&mut s.db, card, &nobody, &bad, Default::default(), &mut |_| {
        ControlFlow::Continue(())
    });
    assert_eq!(e.unwrap_err().code(), "not_found");
    assert!(!bad.exists());
    assert_sound(&mut s.db);
}
