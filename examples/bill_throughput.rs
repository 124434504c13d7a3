//! Durable billing throughput: faxes billed one per `BEGIN IMMEDIATE` transaction through the
//! ledger, against a bare rusqlite INSERT of a similar row per transaction with the same pragmas.
//! `cargo run --release --example bill_throughput [N]`

// Rates of a measurement, not money.
#![allow(clippy::float_arithmetic)]

use std::time::Instant;

use faxcredit::account::{self, Kind, NewAccount, Role};
use faxcredit::ledger::{self, RawFax};
use faxcredit::time::parse_ts;
use faxcredit::Db;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let now = parse_ts("2026-11-24T10:00:00Z", "now").expect("time");

    let mut db = Db::create(&dir.path().join("ledger.db")).expect("db");
    let new = NewAccount {
        name: "Bench".into(),
        kind: Kind::Prepaid,
        email: "bench@example.com".into(),
        currency: "USD".into(),
        credit_limit: None,
    };
    account::create_account(&mut db, &new, now).expect("account");
    account::add_user(&mut db, "bob", Role::User, "bench-password", now).expect("user");
    ledger::apply_card(&mut db, "1000000".parse().expect("d"), "0".parse().expect("d"), now).expect("card");
    let faxes: Vec<_> = (0..n)
        .map(|i| {
            RawFax {
                id: Some(format!("B{i}")),
                user_id: Some("bob".into()),
                destination_fax: Some("+12125550100".into()),
                submit_time: Some("2026-11-24T09:00:00Z".into()),
                pages_sent: Some("3".into()),
                ..RawFax::default()
            }
            .validate()
            .expect("fax")
        })
        .collect();
    let t = Instant::now();
    for f in &faxes {
        ledger::bill(&mut db, f, now).expect("bill");
    }
    let ours = t.elapsed();

    let conn = rusqlite::Connection::open(dir.path().join("bare.db")).expect("bare");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE faxes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id INTEGER, destination TEXT,
           submit_time TEXT, pages INTEGER, cost INTEGER, billed_at TEXT);",
    )
    .expect("schema");
    let t = Instant::now();
    for i in 0..n {
        let tx = conn.unchecked_transaction().expect("tx");
        tx.execute(
            "INSERT INTO faxes (id, user_id, destination, submit_time, pages, cost, billed_at) VALUES (?1, 1, '+12125550100', '2026-11-24T09:00:00Z', 3, 3000, '2026-11-24T10:00:00Z')",
            [format!("B{i}")],
        )
        .expect("insert");
        tx.commit().expect("commit");
    }
    let bare = t.elapsed();
    let rate = |d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!(
        "billed {n} faxes one per transaction: {:.0} faxes/s (bare insert: {:.0}/s), time ratio {:.2}",
        rate(ours),
        rate(bare),
        ours.as_secs_f64() / bare.as_secs_f64()
    );
    let r = ledger::check(&mut db).expect("check");
    assert!(r.ok(), "{:?}", r.problems);
}
