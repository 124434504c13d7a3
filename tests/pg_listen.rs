//! Live updates of a shared ledger: every write committed on PostgreSQL is heard by a
//! `Listener` of the same account (`LISTEN`/`NOTIFY`), a write rolled back and a read are not,
//! another account's writes are not, and a listening connection that is lost says so. A SQLite
//! file has no listener (the app reads `PRAGMA data_version` there). Each PostgreSQL test needs
//! the server `FAXCREDIT_TEST_PG` names (skipped with a line on stderr without one).

mod common;

use std::time::Duration;

use common::{account_on, t, tester, Backend};
use faxcredit::account::AccountKind;
use faxcredit::{Db, Error};

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

/// Long enough for a notification on loopback, even on a loaded machine.
const HEARD_WITHIN: Duration = Duration::from_secs(10);
/// How long a test waits to be sure that nothing comes.
const QUIET: Duration = Duration::from_millis(300);

fn set_zone(db: &mut Db, zone: &str) {
    faxcredit::account::set_time_zone(db, Some(zone), &tester(), t("2026-11-02T09:00:00Z")).unwrap();
}

#[test]
fn a_listener_hears_each_write_another_connection_commits_and_nothing_else() {
    let Some(pg) = Backend::postgres("a_listener_hears_each_write_another_connection_commits_and_nothing_else") else {
        return;
    };
    let s = account_on(&pg, AccountKind::Prepaid);
    let mut listener = Db::listen(s.db.location()).unwrap().expect("a PostgreSQL ledger has a listener");
    assert!(!listener.wait(QUIET).unwrap(), "nothing committed yet");

    let mut other = s.open_again();
    set_zone(&mut other, "Europe/Paris");
    assert!(listener.wait(HEARD_WITHIN).unwrap(), "a committed write is heard");
    assert!(!listener.wait(QUIET).unwrap(), "heard once");

    // Three commits in a row: heard, in at most three answers (those already arrived are
    // taken at once), then quiet.
    for zone in ["Asia/Tokyo", "America/Chicago", "Europe/Oslo"] {
        set_zone(&mut other, zone);
    }
    assert!(listener.wait(HEARD_WITHIN).unwrap());
    let mut more = 0;
    while listener.wait(QUIET).unwrap() {
        more += 1;
    }
    assert!(more <= 2, "{more} more answers for three commits");

    // A write rolled back and a read are not heard.
    let refused: Result<(), Error> = other.write(|c| {
        c.execute("UPDATE account SET email = 'x@y.example' WHERE id = 1", &[])?;
        Err(Error::Conflict("changed my mind".into()))
    });
    assert!(refused.is_err());
    other.read(|c| c.query_row("SELECT count(*) FROM cards", &[], |r| r.get::<i64>(0))).unwrap();
    assert!(!listener.wait(QUIET).unwrap(), "a rollback or a read is not a change");

    // A gateway's fax, billed by another process, is heard.
    let out = std::process::Command::new(CLI).arg("--db").arg(&s.arg).args(["card", "apply", "20"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new(CLI)
        .arg("--db")
        .arg(&s.arg)
        .args(["bill", "--id", "77", "--user", "alice", "--to", "+12125550100", "--pages", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(listener.wait(HEARD_WITHIN).unwrap(), "the CLI's fax is heard");
}

#[test]
fn another_accounts_writes_are_not_heard() {
    let Some(pg) = Backend::postgres("another_accounts_writes_are_not_heard") else { return };
    let ours = account_on(&pg, AccountKind::Prepaid);
    let mut theirs = account_on(&pg, AccountKind::Prepaid);
    let mut listener = Db::listen(ours.db.location()).unwrap().unwrap();
    set_zone(&mut theirs.db, "Europe/Paris");
    assert!(!listener.wait(QUIET).unwrap(), "another schema's write is not ours");
    let mut again = ours.open_again();
    set_zone(&mut again, "Europe/Paris");
    assert!(listener.wait(HEARD_WITHIN).unwrap());
}

#[test]
fn a_lost_listening_connection_is_database_unavailable() {
    let Some(pg) = Backend::postgres("a_lost_listening_connection_is_database_unavailable") else { return };
    let s = account_on(&pg, AccountKind::Prepaid);
    let mut listener = Db::listen(s.db.location()).unwrap().unwrap();
    let schema = s.arg.to_str().unwrap().rsplit("schema=").next().unwrap().to_string();
    // The listening session is the one whose last statement was its LISTEN.
    let ended: i64 =
        s.db.conn()
            .query_row(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = ?1) AS k",
                &[&format!("LISTEN \"faxcredit_{schema}\"")],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(ended, 1, "the listener's session was found and ended");
    let e = listener.wait(HEARD_WITHIN).unwrap_err();
    assert_eq!(e.code(), "database_unavailable", "{e}");
    // A new listener hears again.
    let mut listener = Db::listen(s.db.location()).unwrap().unwrap();
    let mut other = s.open_again();
    set_zone(&mut other, "Europe/Paris");
    assert!(listener.wait(HEARD_WITHIN).unwrap());
}

#[test]
fn a_sqlite_ledger_has_no_listener() {
    let s = account_on(&Backend::Sqlite, AccountKind::Prepaid);
    assert!(Db::listen(s.db.location()).unwrap().is_none());
}
