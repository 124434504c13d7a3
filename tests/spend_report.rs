//! The spend report: over random ledgers its total is `check`'s billed total (for a range that
//! covers every day) and the sum of the faxes submitted on its days in the account's zone (for
//! any range), the same whether added up by user, by country or by day; by day it is the
//! ledger's own daily spend (the spend chart's). The CLI writes it through the CSV encoder and refuses a range that ends before it
//! starts. On both storage engines.

mod common;

use chrono::NaiveDate;
use common::{dec, t, Backend};
use faxcredit::billing::bill;
use faxcredit::ledger::{self, RawFax};
use faxcredit::report::{spend_report, GroupBy, Range};
use faxcredit::Db;
use proptest::prelude::*;

const USERS: [&str; 4] = ["bob", "carol", "dave", "@eve"];
const DESTS: [&str; 6] =
    ["+1 212 555 0100", "+44 20 7946 0000", "+353 1 234 5678", "+49 30 123456", "+7 495 123 4567", "+81 3 1234 5678"];

#[derive(Debug, Clone)]
struct FaxOp {
    user: usize,
    dest: usize,
    pages: i64,
    /// Minutes after 2026-11-01T00:00Z it is submitted (and billed a little later): up to ten days.
    minute: i64,
    /// Priced by the record (units 1 × this many ten-thousandths) instead of the rate table.
    own_price: Option<i64>,
}

fn fax_op() -> impl Strategy<Value = FaxOp> {
    (0..USERS.len(), 0..DESTS.len(), 1i64..30, 0i64..14_400, proptest::option::of(0i64..20_000))
        .prop_map(|(user, dest, pages, minute, own_price)| FaxOp { user, dest, pages, minute, own_price })
}

/// A ledger of `ops` for a test: in memory on SQLite, in a fresh schema on PostgreSQL (dropped
/// after the connection).
struct Ledger {
    db: Db,
    _place: Option<common::backends::Fresh>,
}

fn ledger_of(backend: &Backend, ops: &[FaxOp], credit: &str) -> Ledger {
    let (mut db, place) = match backend {
        Backend::Sqlite => (Db::in_memory().unwrap(), None),
        Backend::Postgres(_) => {
            let place = backend.fresh();
            (Db::create(place.location()).unwrap(), Some(place))
        }
    };
    fill(&mut db, ops, credit);
    Ledger { db, _place: place }
}

/// The account (EUR, in Pacific/Auckland), two cards of `credit`, and `ops` billed.
fn fill(db: &mut Db, ops: &[FaxOp], credit: &str) {
    faxcredit::setup::create_account(
        db,
        &faxcredit::account::NewAccount {
            name: "P".into(),
            kind: faxcredit::account::AccountKind::Prepaid,
            email: "p@p.example".into(),
            currency: "EUR".into(),
            credit_limit: None,
        },
        t("2026-10-01T00:00:00Z"),
    )
    .unwrap();
    ledger::apply_card(db, dec(credit), dec("0"), t("2026-10-01T00:00:00Z")).unwrap();
    ledger::apply_card(db, dec(credit), dec("1"), t("2026-10-01T00:00:00Z")).unwrap();
    // Days of a zone 13 hours from UTC, so a day of the account is not a UTC day.
    faxcredit::account::set_time_zone(db, Some(ZONE), &faxcredit::audit::Actor::cli("test"), t("2026-10-01T00:00:00Z"))
        .unwrap();
    let start = t("2026-11-01T00:00:00Z");
    for (i, op) in ops.iter().enumerate() {
        let raw = RawFax {
            id: Some(format!("f{i}")),
            user_id: Some(USERS[op.user].into()),
            destination_fax: Some(DESTS[op.dest].into()),
            submit_time: Some(faxcredit::time::fmt_ts(&(start + chrono::Duration::minutes(op.minute)))),
            pages_sent: Some(op.pages.to_string()),
            units: op.own_price.map(|_| "1".into()),
            cost_per_unit: op.own_price.map(faxcredit::money::fmt_units),
            ..RawFax::default()
        };
        // Refusals (the cards run out) are part of the ledgers under test: they bill nothing.
        let _ = bill(db, &raw.validate().unwrap(), start + chrono::Duration::minutes(op.minute + 7));
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const ZONE: &str = "Pacific/Auckland";

/// The faxes submitted on the days of `range` in the account's zone, summed straight from every
/// fax row.
fn direct_sum(db: &Db, range: Range) -> i64 {
    let zone = faxcredit::time::Zone::named(ZONE, "zone").unwrap();
    let rows =
        db.conn().query("SELECT submit_time, cost FROM faxes", &[], |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?)));
    rows.unwrap()
        .into_iter()
        .filter(|(at, _)| {
            let d = zone.day(&t(at));
            range.from <= d && d <= range.to
        })
        .map(|(_, cost)| cost)
        .sum()
}

on_both! {
    fn report_totals_are_the_ledgers_billed_amount(backend) {
        let config = ProptestConfig { cases: cases(&backend), ..ProptestConfig::default() };
        proptest!(config, |(
            ops in proptest::collection::vec(fax_op(), 0..80),
            credit in prop::sample::select(vec!["5", "40", "100000"]),
            a in 0i64..12,
            b in 0i64..12,
        )| {
            let mut ledger = ledger_of(&backend, &ops, credit);
            let db = &mut ledger.db;
            let check = ledger::check(db).unwrap();
            prop_assert!(check.ok(), "{:?}", check.problems);

            // Every day: the report's total is `check`'s.
            let all = Range::parse("2026-10-31", "2026-11-12").unwrap();
            for by in [GroupBy::User, GroupBy::Country, GroupBy::Day] {
                let r = spend_report(db, all, by).unwrap();
                prop_assert_eq!(r.total, check.total_billed, "by {:?}", by);
                prop_assert_eq!(r.rows.iter().map(|x| x.amount_units).sum::<i64>(), r.total_units);
                prop_assert_eq!(r.faxes, check.faxes);
            }

            // Any range: the faxes billed on its days, however the rows are cut.
            let first = day("2026-11-01") + chrono::Duration::days(a.min(b));
            let last = day("2026-11-01") + chrono::Duration::days(a.max(b));
            let range = Range::new(first, last).unwrap();
            let want = direct_sum(db, range);
            let by_user = spend_report(db, range, GroupBy::User).unwrap();
            let by_country = spend_report(db, range, GroupBy::Country).unwrap();
            let by_day = spend_report(db, range, GroupBy::Day).unwrap();
            prop_assert_eq!(by_user.total_units, want);
            prop_assert_eq!(by_country.total_units, want);
            prop_assert_eq!(by_day.total_units, want);
            prop_assert_eq!(by_day.rows.len() as i64, (last - first).num_days() + 1, "every day of the range");

            // By day it is the ledger's own daily spend, the spend chart's (kept per quarter hour).
            let chart = ledger::summary(db, t("2026-11-20T00:00:00Z"), 40).unwrap();
            for row in &by_day.rows {
                let kept = chart.daily.iter().find(|d| d.day == row.key).map(|d| d.amount).unwrap_or_default();
                prop_assert_eq!(row.amount, kept, "day {}", row.key);
            }
            // Largest spender first.
            prop_assert!(by_user.rows.windows(2).all(|w| w[0].amount_units >= w[1].amount_units));
        });
    }
}

/// Random ledgers per run: 48 on SQLite (in memory); on PostgreSQL, where each is a new schema
/// and every fax a round trip, 12.
fn cases(backend: &Backend) -> u32 {
    match backend {
        Backend::Sqlite => 48,
        Backend::Postgres(_) => 12,
    }
}

on_both! {
    fn groups_by_the_country_of_the_longest_calling_code(backend) {
        let ops: Vec<FaxOp> = (0..DESTS.len())
            .map(|dest| FaxOp { user: 0, dest, pages: 1, minute: dest as i64, own_price: Some(10_000) })
            .chain([FaxOp { user: 1, dest: 0, pages: 1, minute: 60, own_price: Some(10_000) }])
            .collect();
        let mut ledger = ledger_of(&backend, &ops, "1000");
        let r = spend_report(&mut ledger.db, Range::parse("2026-11-01", "2026-11-01").unwrap(), GroupBy::Country).unwrap();
        let rows: Vec<(&str, &str, i64)> = r.rows.iter().map(|x| (x.key.as_str(), x.label.as_str(), x.faxes)).collect();
        assert_eq!(
            rows,
            [
                ("1", "North America (NANP: US, Canada, Caribbean)", 2),
                ("49", "Germany", 1),
                ("353", "Ireland", 1),
                ("81", "Japan", 1),
                ("7", "Russia", 1),
                ("44", "United Kingdom", 1),
            ]
        );
        assert_eq!(r.total.to_string(), "7.0000");
    }
}

on_both! {
    fn the_cli_writes_the_report_as_safe_csv_and_refuses_a_backward_range(backend) {
        let place = backend.fresh();
        let (dir, path) = (&place.dir, &place.arg);
        {
            let ops = [
                FaxOp { user: 3, dest: 1, pages: 2, minute: 10, own_price: None },
                FaxOp { user: 0, dest: 0, pages: 3, minute: 20, own_price: None },
                FaxOp { user: 3, dest: 0, pages: 1, minute: 1_500, own_price: None },
            ];
            fill(&mut Db::create(place.location()).unwrap(), &ops, "100");
        }
        let bin = env!("CARGO_BIN_EXE_faxcredit");
        let csv = dir.path().join("by-user.csv");
        let args = ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "user", "--out", csv.to_str().unwrap()];
        let out = common::cli_with_stdin(bin, path, &args, "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(&csv).unwrap();
        assert!(bytes.starts_with(faxcredit::export::BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "from,to,user,faxes,pages,amount,currency\r\n\
             2026-11-01,2026-11-30,'@eve,2,3,0.4000,EUR\r\n\
             2026-11-01,2026-11-30,bob,1,3,0.3000,EUR\r\n"
        );
        let json = common::cli_with_stdin(
            bin,
            &path,
            &["report", "--from", "2026-11-02", "--to", "2026-11-02", "--by", "day", "--json"],
            "",
        );
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(
            (v["total"].as_str(), v["rows"][0]["key"].as_str(), v["rows"][0]["faxes"].as_i64()),
            (Some("0.1000"), Some("2026-11-02"), Some(1))
        );

        let bad = dir.path().join("bad.csv");
        let args = ["report", "--from", "2026-11-30", "--to", "2026-11-01", "--by", "user", "--out", bad.to_str().unwrap()];
        let out = common::cli_with_stdin(bin, path, &args, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(
            err.trim_end(),
            "faxcredit: to: the range ends (2026-11-01) before it starts (2026-11-30) [invalid_input]"
        );
        assert!(!bad.exists());
        let out = common::cli_with_stdin(
            bin,
            &path,
            &["report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "month"],
            "",
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("faxcredit: by: "));
    }
}

on_both! {
    /// "View Activity of this user": the user's faxes of the range, newest submitted first, at
    /// most the limit but all of them counted, each with the cards that paid it (two when it
    /// was split); an unknown user is `not_found`.
    fn a_users_faxes_are_newest_first_with_the_cards_that_paid_them(backend) {
        let op = |user, pages, minute| FaxOp { user, dest: 0, pages, minute, own_price: None };
        // 1.00 on the first card: bob's third fax (0.40) is split, 0.20 on each card.
        let ops = [op(0, 4, 10), op(0, 4, 20), op(0, 4, 30), op(1, 1, 40), op(0, 1, 3 * 1_440)];
        let mut ledger = ledger_of(&backend, &ops, "1");
        let range = Range::parse("2026-11-01", "2026-11-01").unwrap();
        let (faxes, count) = faxcredit::report::user_faxes(&mut ledger.db, range, "bob", 2).unwrap();
        assert_eq!(count, 3, "bob's faxes of the day, past the limit too");
        let seen: Vec<(&str, Vec<i64>, String)> =
            faxes.iter().map(|f| (f.fax_id.as_str(), f.cards.clone(), f.cost.to_string())).collect();
        assert_eq!(seen, [("f2", vec![1001, 1002], "0.4000".into()), ("f1", vec![1001], "0.4000".into())]);
        assert_eq!(faxes[0].country, "North America (NANP: US, Canada, Caribbean)");
        let e = faxcredit::report::user_faxes(&mut ledger.db, range, "zed", 2).unwrap_err();
        assert_eq!(e.code(), "not_found");
    }
}
