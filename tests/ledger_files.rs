//! The ledger's files removed or replaced under an open connection: the hazard, reproduced with
//! the real CLI as the other program, and what the ledger does about it (DESIGN.md §3: nothing in
//! a process that holds the ledger open may open its files except SQLite).
#![cfg(unix)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Command;

use common::*;
use faxcredit::{ledger, Db, Error};

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

fn cli(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(CLI).arg("--db").arg(db).args(args).output().unwrap()
}

/// What a file chooser does to a file it lists: open it, sniff its first bytes, close it. The
/// close drops every POSIX lock this process holds on the file, SQLite's among them.
fn stray_open_and_close(path: &Path) {
    let mut head = [0u8; 16];
    std::fs::File::open(path).unwrap().read_exact(&mut head).unwrap();
}

fn wal(db: &Path) -> std::path::PathBuf {
    db.with_file_name("ledger.db-wal")
}

#[test]
fn another_program_leaves_the_wal_alone_while_the_ledger_is_open() {
    let mut t = prepaid();
    ledger::apply_card(&mut t.db, common::dec("10"), common::dec("0"), common::t("2026-11-01T00:00:00Z")).unwrap();
    let path = t.path();
    assert!(cli(&path, &["cards"]).status.success());
    assert!(wal(&path).exists(), "the WAL of a ledger held open is kept");
    faxcredit::billing::bill(&mut t.db, &fax("f1", 1), common::t("2026-11-01T10:00:00Z")).unwrap();
}

#[test]
fn refuses_to_commit_into_a_wal_that_another_program_unlinked() {
    let mut t = prepaid();
    ledger::apply_card(&mut t.db, common::dec("10"), common::dec("0"), common::t("2026-11-01T00:00:00Z")).unwrap();
    let path = t.path();
    stray_open_and_close(&path);
    let out = cli(&path, &["cards"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!wal(&path).exists(), "the hazard: the other program, believing itself last, unlinked the WAL");

    // A write transaction is refused before it starts…
    let err = faxcredit::billing::bill(&mut t.db, &fax("f1", 1), common::t("2026-11-01T10:00:00Z")).unwrap_err();
    assert!(matches!(err, Error::LedgerReplaced(_)), "{err:?}");
    assert_eq!(err.code(), "ledger_replaced");
    // …and a commit that bypasses it is turned into a rollback by the commit hook.
    let err = t.db.sqlite().unwrap().execute("UPDATE account SET email = 'lost@test.example'", []).unwrap_err();
    assert!(matches!(Error::from(err), Error::LedgerReplaced(_)));

    // While the stale connection is open, this process cannot open the ledger beside it (SQLite
    // would share its mapping of the deleted shared memory).
    assert!(matches!(Db::open(&path).unwrap_err(), Error::LedgerReplaced(_)));

    // The other program bills meanwhile; our stale connection closes without touching its files.
    cli_bill(&path, "g1");
    let reopened = std::mem::replace(&mut t.db, Db::in_memory().unwrap()).reopen().unwrap();
    t.db = reopened;
    assert!(wal(&path).exists(), "our close deleted nothing");
    faxcredit::billing::bill(&mut t.db, &fax("f1", 1), common::t("2026-11-01T10:00:00Z")).unwrap();
    drop(t.db);
    let out = String::from_utf8(cli(&path, &["activity", "1001", "--json"]).stdout).unwrap();
    assert!(out.contains("\"g1\"") && out.contains("\"f1\""), "both faxes are in the ledger: {out}");
    let check = cli(&path, &["check"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let email = String::from_utf8(cli(&path, &["email", "show"]).stdout).unwrap();
    assert!(!email.contains("lost@test.example"));
}

#[test]
fn refuses_to_write_into_a_ledger_file_replaced_under_it() {
    let mut t = prepaid();
    let path = t.path();
    // A restore from a backup: another file renamed over the ledger while it is open.
    let copy = path.with_file_name("restored.db");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let err = ledger::apply_card(&mut t.db, common::dec("10"), common::dec("0"), common::t("2026-11-01T00:00:00Z"))
        .unwrap_err();
    assert!(matches!(err, Error::LedgerReplaced(ref m) if m.contains("ledger.db was replaced")), "{err:?}");
    assert_eq!(err.exit_code(), 8);
}

fn cli_bill(path: &Path, id: &str) {
    let out = cli(path, &["bill", "--id", id, "--user", "bob", "--to", "+12125550100", "--pages", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn refuses_the_ledgers_own_files_as_an_export_target_or_an_import_source() {
    let mut t = prepaid();
    let card =
        ledger::apply_card(&mut t.db, common::dec("10"), common::dec("0"), common::t("2026-11-01T00:00:00Z")).unwrap();
    let path = t.path();
    let before = std::fs::read(&path).unwrap();
    let link = path.with_file_name("looks-like-a-report.csv");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    for target in [path.clone(), path.with_file_name("ledger.db-wal"), link.clone()] {
        let err =
            faxcredit::export::export_card(&mut t.db, card.id, &target, &mut |_| std::ops::ControlFlow::Continue(()))
                .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{}: {err}", target.display());
        let err = faxcredit::export::export_orders(&t.db, &target).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
        let err = faxcredit::import::import_file(&mut t.db, &target, common::t("2026-11-01T00:00:00Z"), &mut |_| {})
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was not replaced");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    t.db.verify_files().unwrap();
    let out = cli(&path, &["export", &card.id.to_string(), "--out", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_long_import_stops_with_exit_8_when_the_wal_is_removed_under_it() {
    let mut t = prepaid();
    ledger::apply_card(&mut t.db, common::dec("100000"), common::dec("0"), common::t("2026-11-01T00:00:00Z")).unwrap();
    let path = t.path();
    let common::TestDb { dir: _dir, db, .. } = t;
    drop(db);
    let log = path.with_file_name("gateway.ndjson");
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!(
            "{{\"id\":\"imp-{i}\",\"userId\":\"bob\",\"destinationFax\":\"+12125550100\",\"submitTime\":\"2026-11-24T09:00:00Z\",\"pagesSent\":1}}\n"
        ));
    }
    std::fs::write(&log, text).unwrap();
    let child = Command::new(CLI)
        .arg("--db")
        .arg(&path)
        .arg("import")
        .arg(&log)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once some batches are in, something outside SQLite removes the WAL and shared memory.
    let reader = rusqlite::Connection::open(&path).unwrap();
    let started = std::time::Instant::now();
    while reader.query_row("SELECT count(*) FROM faxes", [], |r| r.get::<_, i64>(0)).unwrap() == 0 {
        assert!(started.elapsed().as_secs() < 60, "the import never committed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(reader);
    for f in faxcredit::db::ledger_files(&path).into_iter().skip(1) {
        std::fs::remove_file(f).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "the import went on writing into removed files: {stderr}");
    assert!(stderr.contains("[ledger_replaced]"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

    // Run again, as a gateway would: every fax billed once, the ledger sound.
    let again = cli(&path, &["import", log.to_str().unwrap()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let mut db = Db::open(&path).unwrap();
    let n: i64 = db.sqlite().unwrap().query_row("SELECT count(*) FROM faxes", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 200_000);
    assert_sound(&mut db);
}
