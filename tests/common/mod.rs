//! Shared helpers for the core's integration tests.
#![allow(dead_code)]

pub mod backends;
pub mod buying;
pub mod counting;
pub mod crash;
pub mod keyring;
pub mod scenario;
pub mod smtp;

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

pub use backends::Backend;

use faxcredit::account::{self, AccountKind, NewAccount, Role};
use faxcredit::ledger::{self, Fax, RawFax};
use faxcredit::time::{parse_ts, Timestamp};
use faxcredit::Db;
use rust_decimal::Decimal;

/// Who the tests act as in the audit log: the command line's OS user `tester`.
pub fn tester() -> faxcredit::audit::Actor {
    faxcredit::audit::Actor::cli("tester")
}

pub fn t(s: &str) -> Timestamp {
    parse_ts(s, "t").unwrap()
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A test's ledger, open, with a folder of its own. Dropped in this order: the connection, then
/// the PostgreSQL schema, then the folder.
pub struct TestDb {
    pub db: Db,
    /// What `--db` takes for this ledger: its file, or its PostgreSQL URL.
    pub arg: OsString,
    pub backend: Backend,
    pub guard: backends::Dropped,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    /// The ledger's file on SQLite; on PostgreSQL the same name in the test's folder, where no
    /// ledger is (files that go beside the ledger, such as the sandbox processor's, go there).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ledger.db")
    }

    /// Another connection to the same ledger.
    pub fn open_again(&self) -> Db {
        Db::open(self.location()).unwrap()
    }

    /// Where the ledger is, as `--db` gives it.
    pub fn location(&self) -> faxcredit::db::Location {
        faxcredit::db::Location::parse(&self.arg).unwrap()
    }

    /// The sandbox processor of this ledger, as the front ends find it: beside its file, or on
    /// its PostgreSQL server.
    pub fn sandbox(&self, fault: faxcredit::payments::Fault) -> faxcredit::payments::Sandbox {
        faxcredit::payments::Sandbox::for_ledger(&self.location(), fault)
    }

    /// The one number a query returns, on either backend.
    pub fn count(&self, sql: &str) -> i64 {
        self.db.conn().query_row(sql, &[], |r| r.get(0)).unwrap()
    }
}

/// A SQLite file with a prepaid (or credit) account and the users alice (manager) and bob.
pub fn account(kind: AccountKind) -> TestDb {
    account_on(&Backend::Sqlite, kind)
}

/// [`account`] on `backend`: a fresh ledger with the account and alice and bob.
pub fn account_on(backend: &Backend, kind: AccountKind) -> TestDb {
    let backends::Fresh { arg, dir, guard } = backend.fresh();
    let mut db = Db::create(faxcredit::db::Location::parse(&arg).unwrap()).unwrap();
    faxcredit::setup::create_account(
        &mut db,
        &NewAccount {
            name: "Test Co".into(),
            kind,
            email: "billing@test.example".into(),
            currency: "USD".into(),
            credit_limit: (kind == AccountKind::Credit).then(|| dec("10.00")),
        },
        t("2026-10-15T08:00:00Z"),
    )
    .unwrap();
    account::add_user(&mut db, "alice", Role::Manager, "alice-password", t("2026-10-15T08:00:00Z")).unwrap();
    account::add_user(&mut db, "bob", Role::User, "bob-password", t("2026-10-15T08:00:00Z")).unwrap();
    TestDb { db, arg, backend: backend.clone(), guard, dir }
}

pub fn prepaid() -> TestDb {
    account(AccountKind::Prepaid)
}

pub fn prepaid_on(backend: &Backend) -> TestDb {
    account_on(backend, AccountKind::Prepaid)
}

/// A US fax of `pages` pages by bob, priced by the rate table (0.10 a page).
pub fn fax(id: &str, pages: i64) -> Fax {
    raw(id, pages).validate().unwrap()
}

pub fn raw(id: &str, pages: i64) -> RawFax {
    RawFax {
        id: Some(id.into()),
        user_id: Some("bob".into()),
        destination_fax: Some("+1 212 555 0100".into()),
        submit_time: Some("2026-11-01T10:00:00Z".into()),
        pages_sent: Some(pages.to_string()),
        ..RawFax::default()
    }
}

pub fn priced(id: &str, units: &str, cpu: &str) -> Fax {
    RawFax { units: Some(units.into()), cost_per_unit: Some(cpu.into()), ..raw(id, 1) }.validate().unwrap()
}

/// Every invariant of DESIGN.md §2 holds.
pub fn assert_sound(db: &mut Db) {
    let r = ledger::check(db).unwrap();
    assert!(r.ok(), "ledger invariants broken: {:#?}", r.problems);
}

pub fn card(db: &mut Db, id: i64) -> ledger::Card {
    ledger::cards(db).unwrap().into_iter().find(|c| c.id == id).expect("card")
}

/// The `faxcredit` binary with `stdin` on standard input; its output.
pub fn cli_with_stdin(
    bin: &str,
    db: &(impl AsRef<OsStr> + ?Sized),
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut c = Command::new(bin)
        .arg("--db")
        .arg(db.as_ref())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

/// Through the CLI: a prepaid account at `db` with the user bob.
pub fn cli_account_with_bob(bin: &str, db: &(impl AsRef<OsStr> + ?Sized)) {
    let db = db.as_ref();
    let o =
        cli_with_stdin(bin, db, &["init", "--name", "Acme", "--kind", "prepaid", "--email", "ops@acme.example"], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli_with_stdin(bin, db, &["user", "add", "bob", "--role", "user"], "bob-password\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
