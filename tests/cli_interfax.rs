//! The `faxcredit` binary on real gateway traffic: a retry of `bill` without `--at`, a fax in
//! process, a sender the account has never seen, and a whole InterFAX log imported as it is; on
//! both storage engines.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::backends::Fresh;
use common::Backend;

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

/// The binary at a pinned clock (`FAXCREDIT_NOW`), standard input closed.
fn run_at(db: &OsStr, now: &str, args: &[&str]) -> Output {
    Command::new(BIN).arg("--db").arg(db).args(args).env("FAXCREDIT_NOW", now).stdin(Stdio::null()).output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A prepaid account with bob and one 100.00 card, on `backend`.
fn account(backend: &Backend) -> Fresh {
    let place = backend.fresh();
    common::cli_account_with_bob(BIN, &place.arg);
    let o = run_at(&place.arg, "2026-11-24T09:00:00Z", &["card", "apply", "100"]);
    assert!(o.status.success(), "{}", err(&o));
    place
}

fn faxes(place: &Fresh) -> Vec<(String, String)> {
    let db = faxcredit::Db::open(place.location()).unwrap();
    db.conn().query("SELECT id, submit_time FROM faxes ORDER BY seq", &[], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
}

on_both! {
    fn bill_without_at_repeated_a_second_later_is_exists_with_exit_0(backend) {
        let place = account(&backend);
        let db = &place.arg;
        let args = ["bill", "--id", "GW-1", "--user", "bob", "--to", "+1 212 555 0100", "--pages", "2"];
        let first = run_at(db, "2026-11-24T10:00:00Z", &args);
        assert_eq!(first.status.code(), Some(0), "{}", err(&first));
        assert!(out(&first).starts_with("billed fax GW-1: 0.2000"), "{}", out(&first));
        let retry = run_at(db, "2026-11-24T10:00:01Z", &args);
        assert_eq!(retry.status.code(), Some(0), "{}", err(&retry));
        assert!(out(&retry).starts_with("exists"), "{}", out(&retry));
        assert_eq!(faxes(&place), [("GW-1".to_string(), "2026-11-24T10:00:00Z".to_string())], "the first stamp is kept");
        // With --at, the time is the record's own and is compared.
        let at = [&args[..], &["--at", "2026-11-24T10:00:01Z"]].concat();
        let o = run_at(db, "2026-11-24T10:00:02Z", &at);
        assert_eq!(o.status.code(), Some(4), "{}", err(&o));
        assert!(err(&o).contains("exists_with_different_submit_time"), "{}", err(&o));
    }
}

on_both! {
    fn bill_reports_a_fax_in_process_as_pending_with_exit_0_and_bills_it_once_completed(backend) {
        let place = account(&backend);
        let db = &place.arg;
        let in_process = r#"{"id":661830017,"status":-3,"userId":"jsmith","pagesSubmitted":3,"destinationFax":"0016175550190","pagesSent":0,"completionTime":"0001-01-01T00:00:00","submitTime":"2024-03-05T15:00:20","units":0,"costPerUnit":0.1000,"subject":null,"contact":null}"#;
        let o = run_at(db, "2026-11-24T10:00:00Z", &["bill", "--json", in_process]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(out(&o).starts_with("pending: fax 661830017 is still in process (status -3)"), "{}", out(&o));
        assert!(faxes(&place).is_empty());
        let completed = in_process
            .replace(r#""status":-3"#, r#""status":0"#)
            .replace(r#""pagesSent":0"#, r#""pagesSent":3"#)
            .replace("0001-01-01T00:00:00", "2024-03-05T15:00:18")
            .replace(r#""units":0"#, r#""units":3.00"#);
        let o = run_at(db, "2026-11-24T10:05:00Z", &["bill", "--json", &completed]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(out(&o).starts_with("billed fax 661830017: 0.3000"), "{}", out(&o));
        // Not an object: refused, nothing billed.
        let o = run_at(
            db,
            "2026-11-24T10:06:00Z",
            &["bill", "--json", r#"["X1","bob","+12125550100","2026-11-24T09:00:00Z",1]"#],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(err(&o).contains("a fax record is a JSON object, not an array"), "{}", err(&o));
        assert_eq!(faxes(&place).len(), 1);
    }
}

on_both! {
    fn a_sender_never_seen_is_billed_listed_and_later_given_a_login(backend) {
        let place = account(&backend);
        let db = &place.arg;
        let o = run_at(
            db,
            "2026-11-24T10:00:00Z",
            &["bill", "--id", "S1", "--user", "jsmith", "--to", "+12125550100", "--pages", "1"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let list = out(&run_at(db, "2026-11-24T10:00:00Z", &["user", "list"]));
        assert!(list.lines().any(|l| l.starts_with("jsmith") && l.contains("fax sender (no login)")), "{list}");
        let o = common::cli_with_stdin(BIN, db, &["user", "add", "jsmith", "--role", "user"], "jsmith-password\n");
        assert!(o.status.success(), "{}", err(&o));
        let list = out(&run_at(db, "2026-11-24T10:00:00Z", &["user", "list"]));
        assert!(list.lines().any(|l| l.starts_with("jsmith") && l.trim_end().ends_with("user")), "{list}");
        let lines = out(&run_at(db, "2026-11-24T10:00:00Z", &["activity", "1001", "--user", "jsmith", "--json"]));
        assert_eq!(lines.lines().count(), 1, "the fax stays with its sender: {lines}");
        let none = out(&run_at(db, "2026-11-24T10:00:00Z", &["activity", "1001", "--user", "bob"]));
        assert!(none.contains("no fax on this card matches the filter"), "{none}");
    }
}

on_both! {
    fn imports_a_real_interfax_log_unchanged_with_exit_0_and_a_summary(backend) {
        let place = account(&backend);
        let db = &place.arg;
        let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/interfax_outbound.ndjson");
        let o = run_at(db, "2026-11-24T10:00:00Z", &["import", log.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(
            out(&o).trim_end(),
            "12 records: 7 billed (1.6725 USD), 3 exists (billed before), 2 pending (in process), \
             0 refused (205000 - Quota Exceeded), 0 exists with different fields, 0 invalid"
        );
        // The faxes still in process are named on stderr; nothing else is.
        assert_eq!(err(&o).lines().count(), 2, "{}", err(&o));
        assert!(err(&o).lines().all(|l| l.contains("still in process") && l.ends_with("[pending]")), "{}", err(&o));
        let check = run_at(db, "2026-11-24T10:00:00Z", &["check"]);
        assert!(out(&check).starts_with("ok: 1 cards, 7 faxes"), "{}", out(&check));
    }
}
