//! Migrations from each older schema, on ledgers written by hand in that schema's shape.

use super::*;
use rusqlite::OptionalExtension;

/// A ledger written by hand at schema `version`: the migrations up to it, then `rows` (SQL in
/// that schema's shape), as an older build left it. Returns its folder (kept while the test
/// runs) and its path.
fn old_ledger(version: usize, rows: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("v{version}.db"));
    let conn = Connection::open(&path).unwrap();
    for sql in &MIGRATIONS[..version] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(&format!("PRAGMA user_version = {version}; PRAGMA application_id = {APPLICATION_ID};")).unwrap();
    conn.execute_batch(rows).unwrap();
    (dir, path)
}

/// Schema 6 copies the orders into a table with attempts: each order keeps its latest
/// attempt, a paid order loses the decline reason of an earlier attempt, an automatic order
/// gets the month its cap counts it in, and the repeat log keeps its entries.
#[test]
fn migrates_version_4_orders_to_version_6_orders_with_attempts() {
    let (_dir, path) = old_ledger(
        4,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00Z', 100000, 0, 100000, 0, 0, 'applied'),
                    (1002, '2026-01-02T00:00:00Z', 200000, 0, 200000, 0, 0, 'purchase');
         INSERT INTO orders (id, key, kind, package, face_value, bonus, currency, card_brand, card_last4,
                status, charge_key, attempts, next_retry_at, charge_id, decline_code, reason, new_card,
                trigger_card, created_at, updated_at)
             VALUES (1, 'repeat:1001', 'automatic', 'Starter', 200000, 0, 'USD', 'Visa', '9995', 'paid',
                     'repeat:1001#2', 2, NULL, 'ch_1', 'insufficient_funds', 'Declined.', 1002, 1001,
                     '2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z'),
                    (2, 'manual:x', 'manual', 'Starter', 200000, 0, 'USD', 'Visa', '0002', 'declined',
                     'manual:x', 1, NULL, NULL, 'card_declined', 'Your card was declined.', NULL, NULL,
                     '2026-01-03T10:00:00Z', '2026-01-03T10:00:00Z');
         INSERT INTO repeat_log (at, card_id, event, detail) VALUES ('2026-01-01T10:00:00Z', 1001, 'ordered', 'x');",
    );
    let db = Db::open(&path).unwrap();
    let list = crate::orders::orders(&db).unwrap();
    let paid = list.iter().find(|o| o.id == 1).unwrap();
    assert_eq!((paid.reason.as_deref(), paid.decline_code.as_deref()), (None, None));
    assert_eq!(paid.attempt_history.len(), 1);
    assert_eq!((paid.attempt_history[0].n, paid.attempt_history[0].outcome.as_str()), (2, "paid"));
    let declined = list.iter().find(|o| o.id == 2).unwrap();
    assert_eq!(declined.attempt_history[0].reason.as_deref(), Some("Your card was declined."));
    let month: Option<String> =
        db.sqlite().unwrap().query_row("SELECT cap_month FROM orders WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(month.as_deref(), Some("2026-01"));
    assert_eq!(crate::repeat::log(&db, 10).unwrap().len(), 1);
    db.sqlite()
        .unwrap()
        .execute("INSERT INTO repeat_log (at, card_id, event, detail) VALUES ('t', NULL, 'cancelled', 'x')", [])
        .unwrap();
}

/// A ledger written by schema 3 (activity in a rowid table with two indexes) comes up at the
/// current version with every line, and its rates are cached until they change.
#[test]
fn migrates_a_version_3_ledger_and_keeps_its_lines() {
    let (_dir, path) = old_ledger(
        3,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO users VALUES (1, 'bob', 'user', 'x', '2026-01-01T00:00:00Z');
         INSERT INTO rates VALUES ('', 'Other', 'page', 2500);
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00Z', 100000, 0, 100000, 7500, 3, 'applied');
         INSERT INTO faxes (seq, id, user_id, destination, submit_time, pages_submitted, pages_sent,
             duration, status, units, cost_per_unit, cost, billed_at)
             VALUES (1, 'f1', 1, '+1', 't', 1, 1, 0, 0, 10000, 2500, 2500, 't'),
                    (2, 'f2', 1, '+1', 't', 1, 1, 0, 0, 10000, 2500, 2500, 't'),
                    (3, 'f3', 1, '+1', 't', 1, 1, 0, 0, 10000, 2500, 2500, 't');
         INSERT INTO daily_spend VALUES ('2026-01-01', 7500, 3);
         INSERT INTO activity (id, card_id, n, fax_seq, amount, split)
             VALUES (7, 1001, 3, 3, 2500, 0), (5, 1001, 1, 1, 2500, 0), (6, 1001, 2, 2, 2500, 0);",
    );
    let mut db = Db::open(&path).unwrap();
    let version: i64 = db.sqlite().unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let lines: Vec<(i64, i64, i64)> = db
        .sqlite()
        .unwrap()
        .prepare("SELECT card_id, n, fax_seq FROM activity ORDER BY card_id, n")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(lines, vec![(1001, 1, 1), (1001, 2, 2), (1001, 3, 3)]);
    let report = crate::ledger::check(&mut db).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(db.sqlite().unwrap().execute("DELETE FROM activity", []).is_err(), "lines stay append-only");

    // The cache follows every change to the rates, made by this connection or another.
    let first = { db.write_with_cache(|tx, cache: &mut crate::rates::RateCache| cache.current(tx)).unwrap() };
    let again = { db.write_with_cache(|tx, cache: &mut crate::rates::RateCache| cache.current(tx)).unwrap() };
    assert!(Arc::ptr_eq(&first, &again));
    Connection::open(&path).unwrap().execute("UPDATE rates SET cost_per_unit = 3000", []).unwrap();
    let changed = { db.write_with_cache(|tx, cache: &mut crate::rates::RateCache| cache.current(tx)).unwrap() };
    assert_eq!(changed.find("1").unwrap().cost_per_unit_units, 3000);
}

/// A ledger written by schema 4, whose times kept the fractions they were given, comes up
/// with every time cut to the second (so text order is time order), its users kept with
/// their ids, and room for fax senders without a password.
#[test]
fn migrates_a_version_4_ledger_to_whole_second_times_and_fax_senders() {
    let (_dir, path) = old_ledger(
        4,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO users VALUES (7, 'bob', 'user', 'x', '2026-01-01T00:00:00.123Z');
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00.5Z', 100000, 0, 100000, 2500, 1, 'applied');
         INSERT INTO faxes (seq, id, user_id, destination, submit_time, completion_time, pages_submitted,
             pages_sent, duration, status, units, cost_per_unit, cost, billed_at)
             VALUES (1, 'f1', 7, '+1', '2026-01-02T09:30:00.5Z', '2026-01-02T09:30:40.25Z', 1, 1, 40, 0,
                     10000, 2500, 2500, '2026-01-02T09:31:00.999999999Z');
         INSERT INTO activity (card_id, n, fax_seq, amount, split) VALUES (1001, 1, 1, 2500, 0);
         INSERT INTO daily_spend VALUES ('2026-01-02', 2500, 1);
         INSERT INTO attempts (fax_id, user_name, destination, cost, available, code, at)
             VALUES ('f2', 'bob', '+1', 1, 0, 'quota_exceeded', '2026-01-02T10:00:00.1Z');",
    );
    let mut db = Db::open(&path).unwrap();
    let times: (String, String, String, String, String, String) = db
        .sqlite()
        .unwrap()
        .query_row(
            "SELECT f.submit_time, f.completion_time, f.billed_at, a.at, c.issue_date, u.created_at
             FROM faxes f, attempts a, cards c, users u",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(
        times,
        (
            "2026-01-02T09:30:00Z".into(),
            "2026-01-02T09:30:40Z".into(),
            "2026-01-02T09:31:00Z".into(),
            "2026-01-02T10:00:00Z".into(),
            "2026-01-01T00:00:00Z".into(),
            "2026-01-01T00:00:00Z".into()
        )
    );
    let users = crate::account::users(&db).unwrap();
    assert_eq!((users[0].id, users[0].name.as_str(), users[0].login), (7, "bob", true));
    assert!(db.sqlite().unwrap().execute("UPDATE faxes SET cost = 0", []).is_err(), "billed faxes stay unchangeable");
    let report = crate::ledger::check(&mut db).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let fk: bool = db.sqlite().unwrap().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert!(fk, "foreign keys are back on after the migration");
    db.sqlite()
        .unwrap()
        .execute("INSERT INTO users (name, role, password_hash, created_at) VALUES ('jsmith', 'user', NULL, 't')", [])
        .unwrap();
    assert!(
        db.sqlite()
            .unwrap()
            .execute("INSERT INTO users (name, role, password_hash, created_at) VALUES ('m', 'manager', NULL, 't')", [])
            .is_err(),
        "a manager has a password"
    );
}

/// Schema 7 dates every existing line with its fax's submit time, so a card read in time
/// order shows its old lines too, and lines stay unchangeable.
#[test]
fn migrates_a_version_5_ledger_and_dates_its_lines() {
    let (_dir, path) = old_ledger(
        5,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO users VALUES (7, 'bob', 'user', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00Z', 100000, 0, 100000, 5000, 2, 'applied');
         INSERT INTO faxes (seq, id, user_id, destination, submit_time, pages_submitted, pages_sent, duration,
             status, units, cost_per_unit, cost, billed_at)
             VALUES (1, 'late', 7, '+1', '2026-01-02T09:40:00Z', 1, 1, 40, 0, 10000, 2500, 2500, '2026-01-02T09:41:00Z'),
                    (2, 'early', 7, '+1', '2026-01-02T09:30:00Z', 1, 1, 40, 0, 10000, 2500, 2500, '2026-01-02T09:42:00Z');
         INSERT INTO activity (card_id, n, fax_seq, amount, split) VALUES (1001, 1, 1, 2500, 0), (1001, 2, 2, 2500, 0);
         INSERT INTO daily_spend VALUES ('2026-01-02', 5000, 2);",
    );
    let mut db = Db::open(&path).unwrap();
    let q = crate::ledger::ActivityQuery {
        card_id: 1001,
        limit: 10,
        sort: crate::ledger::Sort::Oldest,
        ..Default::default()
    };
    let ids: Vec<String> =
        crate::ledger::activity_page(&mut db, &q).unwrap().lines.into_iter().map(|l| l.fax_id).collect();
    assert_eq!(ids, ["early", "late"]);
    assert!(db.sqlite().unwrap().execute("UPDATE activity SET amount = 0", []).is_err(), "lines stay unchangeable");
    let report = crate::ledger::check(&mut db).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // `check` sees a line whose date is not its fax's (the trigger lifted to make one).
    db.sqlite()
        .unwrap()
        .execute_batch(
            "DROP TRIGGER activity_no_update;
             UPDATE activity SET submit_time = '2000-01-01T00:00:00Z' WHERE n = 2;",
        )
        .unwrap();
    let report = crate::ledger::check(&mut db).unwrap();
    assert!(
        report.problems.iter().any(|p| p == "card 1001: line 2 is not dated with its fax's submit time"),
        "{:?}",
        report.problems
    );
}

/// The receipts' schema numbers the orders paid before it in the order they were paid (not
/// the order they were placed), gives none to an order not paid, and the next payment takes
/// the next number.
#[test]
fn migrates_a_version_7_ledger_and_numbers_its_paid_orders_in_the_order_they_were_paid() {
    let (_dir, path) = old_ledger(
        7,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00Z', 200000, 0, 200000, 0, 0, 'purchase'),
                    (1002, '2026-01-02T00:00:00Z', 200000, 0, 200000, 0, 0, 'purchase');
         INSERT INTO orders (id, key, kind, package, face_value, bonus, currency, card_brand, card_last4,
                status, charge_key, charge_id, new_card, created_at, updated_at)
             VALUES (1, 'manual:a', 'manual', 'Starter', 200000, 0, 'USD', 'Visa', '4242', 'paid',
                     'manual:a', 'ch_1', 1002, '2026-01-01T10:00:00Z', '2026-01-05T10:00:00Z'),
                    (2, 'manual:b', 'manual', 'Starter', 200000, 0, 'USD', 'Visa', '4242', 'paid',
                     'manual:b', 'ch_2', 1001, '2026-01-02T10:00:00Z', '2026-01-02T10:00:05Z'),
                    (3, 'manual:c', 'manual', 'Starter', 200000, 0, 'USD', 'Visa', '0002', 'declined',
                     'manual:c', NULL, NULL, '2026-01-03T10:00:00Z', '2026-01-03T10:00:00Z');",
    );
    let db = Db::open(&path).unwrap();
    let number = |id| crate::orders::receipt(db.sqlite().unwrap(), id).map(|r| (r.number, r.issued_at));
    assert_eq!(number(2).unwrap(), (1, "2026-01-02T10:00:05Z".into()), "paid first");
    assert_eq!(number(1).unwrap(), (2, "2026-01-05T10:00:00Z".into()));
    assert_eq!(number(3).unwrap_err().code(), "invalid_input", "a declined order has none");
    let next: i64 =
        db.sqlite().unwrap().query_row("SELECT coalesce(max(number), 0) + 1 FROM receipts", [], |r| r.get(0)).unwrap();
    assert_eq!(next, 3);
    let details = crate::billing_details::billing_details(db.conn()).unwrap();
    assert_eq!(details, Default::default(), "no billing details until the manager gives them");
}

/// Schema 9 keeps the spend per quarter hour of the faxes' submit times, built from the faxes
/// (the old table counted UTC days of billing), and gives the account a time zone setting,
/// unset: the computer's.
#[test]
fn migrates_a_version_7_ledger_to_spend_by_quarter_hour() {
    let (_dir, path) = old_ledger(
        7,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO users VALUES (7, 'bob', 'user', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO cards (id, issue_date, face_value, bonus, original_balance, used, lines, source)
             VALUES (1001, '2026-01-01T00:00:00Z', 100000, 0, 100000, 7500, 3, 'applied');
         INSERT INTO faxes (seq, id, user_id, destination, submit_time, pages_submitted, pages_sent, duration,
             status, units, cost_per_unit, cost, billed_at)
             VALUES (1, 'a', 7, '+1', '2026-01-02T23:44:59Z', 1, 1, 40, 0, 10000, 2500, 2500, '2026-01-03T00:01:00Z'),
                    (2, 'b', 7, '+1', '2026-01-02T23:45:00Z', 1, 1, 40, 0, 10000, 2500, 2500, '2026-01-03T00:02:00Z'),
                    (3, 'c', 7, '+1', '2026-01-02T23:59:59Z', 1, 1, 40, 0, 10000, 2500, 2500, '2026-01-03T00:03:00Z');
         INSERT INTO activity (card_id, n, fax_seq, amount, split, submit_time)
             VALUES (1001, 1, 1, 2500, 0, '2026-01-02T23:44:59Z'), (1001, 2, 2, 2500, 0, '2026-01-02T23:45:00Z'),
                    (1001, 3, 3, 2500, 0, '2026-01-02T23:59:59Z');
         INSERT INTO daily_spend VALUES ('2026-01-03', 7500, 3);",
    );
    let mut db = Db::open(&path).unwrap();
    let rows: Vec<(String, i64, i64)> = db
        .sqlite()
        .unwrap()
        .prepare("SELECT start, amount, faxes FROM spend_by_quarter ORDER BY start")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows, [("2026-01-02T23:30:00Z".into(), 2500, 1), ("2026-01-02T23:45:00Z".into(), 5000, 2)]);
    let a = crate::account::account(&db).unwrap();
    assert!(!a.time_zone_set);
    let table: Option<String> = db
        .sqlite()
        .unwrap()
        .query_row("SELECT name FROM sqlite_master WHERE name = 'daily_spend'", [], |r| r.get(0))
        .optional()
        .unwrap();
    assert_eq!(table, None);
    crate::account::set_time_zone(
        &mut db,
        Some("UTC"),
        &crate::audit::Actor::cli("test"),
        crate::time::parse_ts("2026-01-01T00:00:00Z", "t").unwrap(),
    )
    .unwrap();
    let now = crate::time::parse_ts("2026-01-03T12:00:00Z", "t").unwrap();
    let sum = crate::ledger::summary(&mut db, now, 2).unwrap();
    let days: Vec<(String, i64)> = sum.daily.iter().map(|d| (d.day.clone(), d.faxes)).collect();
    assert_eq!(days, [("2026-01-02".into(), 3), ("2026-01-03".into(), 0)], "the days they were submitted");
    let report = crate::ledger::check(&mut db).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// Schema 10 (issue 16): a version 7 ledger comes up with the default low-credit level (the card
/// in use at 80%), no other recipients, its outbox rows each a message of their own, and an
/// audit log that takes lines and never gives them up.
#[test]
fn migrates_a_version_7_ledger_to_alerts_recipients_and_the_audit_log() {
    let (_dir, path) = old_ledger(
        7,
        "INSERT INTO account VALUES (1, 'Old', 'prepaid', 'a@example.com', 'USD', NULL, '2026-01-01T00:00:00Z');
         INSERT INTO outbox (id, kind, to_addr, subject, body, message_id, created_at, next_attempt_at)
             VALUES (4, 'quota_exceeded', 'a@example.com', 's', 'b', '<m4>', '2026-01-02T00:00:00Z',
                     '2026-01-02T00:00:00Z');",
    );
    let mut db = Db::open(&path).unwrap();
    assert_eq!(crate::alerts::levels(&db).unwrap(), vec![crate::alerts::DEFAULT_LEVEL]);
    assert_eq!(crate::alerts::DEFAULT_LEVEL, crate::alerts::Level::Percent(8000));
    assert_eq!(crate::notify::recipients(&db).unwrap().len(), 1, "the account email alone");
    let m = &crate::notify::messages(&db, 10).unwrap()[0];
    assert_eq!((m.id, m.event), (4, 4));
    let now = crate::time::parse_ts("2026-02-01T00:00:00Z", "t").unwrap();
    crate::notify::add_recipient(&mut db, "b@example.com", None, &crate::audit::Actor::cli("ops"), now).unwrap();
    assert_eq!(crate::audit::entries(&db, 10, None).unwrap().len(), 1);
    assert!(db.sqlite().unwrap().execute("DELETE FROM audit_log", []).is_err());
    assert!(db
        .sqlite()
        .unwrap()
        .execute("INSERT INTO alert_levels (kind, value) VALUES ('percent', 10000)", [])
        .is_err());
    assert!(db
        .sqlite()
        .unwrap()
        .execute("INSERT INTO recipients (address, only, added_at) VALUES ('c@x.y', 'all', 't')", [])
        .is_err());
}
