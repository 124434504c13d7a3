//! The account's days: one time zone (an account setting, default the computer's) decides the
//! spend chart's days, this month's spend, View Activity's day filters, a credit account's
//! monthly card and the repeat order's month, whatever zone the process runs in.

mod common;

use common::{account, dec, prepaid, t, TestDb};
use faxcredit::account::{set_time_zone, AccountKind};
use faxcredit::billing::bill;
use faxcredit::ledger::{self, activity_totals, apply_card, ActivityFilter, RawFax};
use faxcredit::time::Timestamp;

/// A 0.10-a-page fax by bob, submitted at `at`.
fn fax_at(id: &str, pages: i64, at: &str) -> ledger::Fax {
    RawFax {
        id: Some(id.into()),
        user_id: Some("bob".into()),
        destination_fax: Some("+1 212 555 0100".into()),
        submit_time: Some(at.into()),
        pages_sent: Some(pages.to_string()),
        ..RawFax::default()
    }
    .validate()
    .unwrap()
}

fn in_zone(kind: AccountKind, zone: &str) -> TestDb {
    let mut s = account(kind);
    set_time_zone(&mut s.db, Some(zone), &faxcredit::audit::Actor::cli("test"), t("2026-01-01T00:00:00Z")).unwrap();
    s
}

fn day(sum: &ledger::Summary, d: &str) -> (String, i64) {
    let x = sum.daily.iter().find(|x| x.day == d).unwrap_or_else(|| panic!("no {d} in the chart"));
    (x.amount.to_string(), x.faxes)
}

/// What View Activity shows for one day of the account, over every card.
fn filtered(s: &mut TestDb, d: &str) -> (String, i64) {
    let cards: Vec<i64> = ledger::cards(&mut s.db).unwrap().iter().map(|c| c.id).collect();
    let filter = ActivityFilter::default().on_days(s.db.conn(), Some(d), Some(d)).unwrap();
    let (mut amount, mut lines) = (dec("0"), 0);
    for c in cards {
        let tot = activity_totals(&mut s.db, c, &filter).unwrap();
        amount += tot.amount;
        lines += tot.lines;
    }
    (format!("{amount:.4}"), lines)
}

#[test]
fn the_chart_counts_the_days_of_the_accounts_zone() {
    // 10:59 and 11:00 UTC on 24 November: 23:59 on the 24th and 00:00 on the 25th in Auckland
    // (UTC+13), both the morning of the 24th in Los Angeles, both the 24th in UTC.
    let now = t("2026-11-25T20:00:00Z");
    for (zone, expect) in [
        ("Pacific/Auckland", [("2026-11-24", ("0.3000", 1)), ("2026-11-25", ("0.2000", 1))]),
        ("America/Los_Angeles", [("2026-11-24", ("0.5000", 2)), ("2026-11-23", ("0.0000", 0))]),
        ("UTC", [("2026-11-24", ("0.5000", 2)), ("2026-11-25", ("0.0000", 0))]),
    ] {
        let mut s = in_zone(AccountKind::Prepaid, zone);
        apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        bill(&mut s.db, &fax_at("A", 3, "2026-11-24T10:59:59Z"), now).unwrap();
        bill(&mut s.db, &fax_at("B", 2, "2026-11-24T11:00:00Z"), now).unwrap();
        let sum = ledger::summary(&mut s.db, now, 90).unwrap();
        assert_eq!(sum.time_zone.as_deref(), Some(zone));
        for (d, (amount, faxes)) in expect {
            assert_eq!(day(&sum, d), (amount.to_string(), faxes), "{zone} {d}");
            assert_eq!(filtered(&mut s, d), (amount.to_string(), faxes), "{zone}: the filter of {d}");
        }
        let today = if zone == "Pacific/Auckland" { "2026-11-26" } else { "2026-11-25" };
        assert_eq!(sum.daily.last().unwrap().day, today, "{zone}: the chart ends today");
        assert!(ledger::check(&mut s.db).unwrap().ok());
    }
}

#[test]
fn a_fax_billed_after_midnight_is_on_the_day_it_was_submitted_in_the_chart_and_the_filter() {
    // Submitted at 23:58 and billed at 00:03 (local): the chart and View Activity's filter both
    // put it on the day it was submitted, in every zone.
    for (zone, submit, billed, local_day) in [
        ("Pacific/Auckland", "2026-11-24T10:58:00Z", "2026-11-24T11:03:00Z", "2026-11-24"),
        ("America/Los_Angeles", "2026-11-25T07:58:00Z", "2026-11-25T08:03:00Z", "2026-11-24"),
        ("UTC", "2026-11-24T23:58:00Z", "2026-11-25T00:03:00Z", "2026-11-24"),
    ] {
        let mut s = in_zone(AccountKind::Prepaid, zone);
        apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        bill(&mut s.db, &fax_at("M", 4, submit), t(billed)).unwrap();
        let sum = ledger::summary(&mut s.db, t(billed), 90).unwrap();
        let with_spend: Vec<&str> = sum.daily.iter().filter(|d| d.faxes > 0).map(|d| d.day.as_str()).collect();
        assert_eq!(with_spend, [local_day], "{zone}: the chart");
        let next = sum.daily.last().unwrap().day.clone();
        assert_ne!(next, local_day, "{zone}: billed on the next day");
        assert_eq!(filtered(&mut s, local_day), ("0.4000".into(), 1), "{zone}: the filter of the bar's day");
        assert_eq!(filtered(&mut s, &next), ("0.0000".into(), 0), "{zone}: the next day's filter");
    }
}

#[test]
fn every_day_of_the_chart_is_what_that_days_filter_shows() {
    // Faxes every 37 minutes for four days across two cards, in three zones: each bar is the
    // sum of that day's filter over the cards, and the month's spend the sum of its days.
    for zone in ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu"] {
        let mut s = in_zone(AccountKind::Prepaid, zone);
        apply_card(&mut s.db, dec("5"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        apply_card(&mut s.db, dec("50"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        let start = t("2026-11-20T00:00:00Z");
        for i in 0..(4 * 24 * 60 / 37) {
            let at: Timestamp = start + chrono::Duration::minutes(37 * i);
            let fax = fax_at(&format!("F{i}"), 1 + i % 3, &faxcredit::time::fmt_ts(&at));
            bill(&mut s.db, &fax, at).unwrap();
        }
        let now = t("2026-11-24T12:00:00Z");
        let sum = ledger::summary(&mut s.db, now, 10).unwrap();
        let mut total = dec("0");
        for d in &sum.daily {
            // A line per card: the fax split across the two cards is two lines of one fax.
            let (amount, lines) = filtered(&mut s, &d.day);
            assert_eq!(amount, d.amount.to_string(), "{zone} {}", d.day);
            assert!(lines == d.faxes || lines == d.faxes + 1, "{zone} {}: {lines} lines, {} faxes", d.day, d.faxes);
            total += d.amount;
        }
        assert_eq!(sum.spend_this_month, total, "{zone}: November is these days");
        assert!(ledger::check(&mut s.db).unwrap().ok());
    }
}

#[test]
fn a_day_across_a_dst_change_has_its_25_hours() {
    // 1 November 2026 in Los Angeles runs from 07:00 UTC to 08:00 UTC the next day.
    let mut s = in_zone(AccountKind::Prepaid, "America/Los_Angeles");
    apply_card(&mut s.db, dec("10"), dec("0"), t("2026-10-01T00:00:00Z")).unwrap();
    let now = t("2026-11-03T20:00:00Z");
    for (id, at) in [
        ("before", "2026-11-01T06:59:59Z"), // 23:59:59 PDT, 31 October
        ("first", "2026-11-01T07:00:00Z"),  // 00:00 PDT
        ("last", "2026-11-02T07:59:59Z"),   // 23:59:59 PST, still 1 November
        ("after", "2026-11-02T08:00:00Z"),  // 00:00 PST, 2 November
    ] {
        bill(&mut s.db, &fax_at(id, 1, at), now).unwrap();
    }
    let sum = ledger::summary(&mut s.db, now, 5).unwrap();
    assert_eq!(day(&sum, "2026-10-31"), ("0.1000".into(), 1));
    assert_eq!(day(&sum, "2026-11-01"), ("0.2000".into(), 2));
    assert_eq!(day(&sum, "2026-11-02"), ("0.1000".into(), 1));
    assert_eq!(filtered(&mut s, "2026-11-01"), ("0.2000".into(), 2));
    assert_eq!((sum.spend_this_month.to_string(), sum.faxes_this_month), ("0.3000".into(), 3));
}

#[test]
fn changing_the_zone_moves_the_days_and_an_unknown_zone_changes_nothing() {
    let mut s = in_zone(AccountKind::Prepaid, "UTC");
    apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let now = t("2026-11-25T20:00:00Z");
    bill(&mut s.db, &fax_at("A", 3, "2026-11-24T12:00:00Z"), now).unwrap();
    assert_eq!(day(&ledger::summary(&mut s.db, now, 5).unwrap(), "2026-11-24").1, 1);
    let e = set_time_zone(
        &mut s.db,
        Some("Pacific/Atlantis"),
        &faxcredit::audit::Actor::cli("test"),
        t("2026-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("time_zone"), "{e}");
    assert_eq!(faxcredit::account::account(&s.db).unwrap().time_zone.as_deref(), Some("UTC"));
    let a = set_time_zone(
        &mut s.db,
        Some("pacific/auckland"),
        &faxcredit::audit::Actor::cli("test"),
        t("2026-01-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!((a.time_zone.as_deref(), a.time_zone_set), (Some("Pacific/Auckland"), true));
    let sum = ledger::summary(&mut s.db, now, 5).unwrap();
    assert_eq!((day(&sum, "2026-11-24").1, day(&sum, "2026-11-25").1), (0, 1));
    // Back to the computer's zone: this test process's.
    let a = set_time_zone(&mut s.db, None, &faxcredit::audit::Actor::cli("test"), t("2026-01-01T00:00:00Z")).unwrap();
    assert!(!a.time_zone_set);
    assert_eq!(a.time_zone.as_deref(), faxcredit::time::Zone::system().name());
    assert!(ledger::check(&mut s.db).unwrap().ok());
}

#[test]
fn a_credit_accounts_month_is_the_accounts_month() {
    // 11:30 UTC on 30 November is 00:30 on 1 December in Auckland: December's card opens
    // there, and November's closes at Auckland's midnight; in Los Angeles it is still November.
    let (before, after) = (t("2026-11-30T10:00:00Z"), t("2026-11-30T11:30:00Z"));
    let mut nz = in_zone(AccountKind::Credit, "Pacific/Auckland");
    bill(&mut nz.db, &fax_at("N1", 1, "2026-11-30T10:00:00Z"), before).unwrap();
    bill(&mut nz.db, &fax_at("N2", 1, "2026-11-30T11:29:00Z"), after).unwrap();
    let cards = ledger::cards(&mut nz.db).unwrap();
    assert_eq!((cards[0].issue_date.as_str(), cards[0].lines), ("2026-11-30T11:00:00Z", 1), "{cards:?}");
    assert_eq!((cards[1].issue_date.as_str(), cards[1].lines), ("2026-10-31T11:00:00Z", 1), "{cards:?}");
    assert_eq!(cards[1].close_date.as_deref(), Some("2026-11-30T11:00:00Z"));
    let month = |db: &faxcredit::Db, id: i64| -> String {
        db.sqlite().unwrap().query_row("SELECT month FROM cards WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!((month(&nz.db, cards[0].id), month(&nz.db, cards[1].id)), ("2026-12".into(), "2026-11".into()));

    let mut la = in_zone(AccountKind::Credit, "America/Los_Angeles");
    bill(&mut la.db, &fax_at("L1", 1, "2026-11-30T10:00:00Z"), before).unwrap();
    bill(&mut la.db, &fax_at("L2", 1, "2026-11-30T11:29:00Z"), after).unwrap();
    let cards = ledger::cards(&mut la.db).unwrap();
    assert_eq!((cards[0].lines, month(&la.db, cards[0].id)), (2, "2026-11".into()), "{cards:?}");
    // Refused faxes wait for the account's next month: midnight in Los Angeles.
    let e = bill(&mut la.db, &fax_at("L3", 100, "2026-11-30T11:31:00Z"), after).unwrap_err();
    assert_eq!(e.code(), "quota_exceeded");
    let r = ledger::refusing(&mut la.db, after).unwrap();
    assert_eq!(r.until.as_deref(), Some("2026-12-01T08:00:00Z"));
}

#[test]
fn check_finds_spend_counted_in_the_wrong_quarter_hour() {
    let mut s = prepaid();
    apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    bill(&mut s.db, &fax_at("A", 3, "2026-11-24T10:59:59Z"), t("2026-11-24T11:00:05Z")).unwrap();
    assert!(ledger::check(&mut s.db).unwrap().ok());
    // The same amount, a quarter hour late: the totals still agree, the days do not.
    s.db.sqlite()
        .unwrap()
        .execute("UPDATE spend_by_quarter SET start = '2026-11-24T11:00:00Z' WHERE start = '2026-11-24T10:45:00Z'", [])
        .unwrap();
    let report = ledger::check(&mut s.db).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("quarter hour from 2026-11-24T10:45:00Z"), "{:?}", report.problems);
}
