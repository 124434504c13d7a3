//! The real `faxcredit` binary: commands, exit codes, hostile input, and several processes
//! billing one database at once. What imports, exports and seeds the demo runs on both storage
//! engines (`on_both!`).

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

use common::Backend;

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

struct Cli {
    place: common::backends::Fresh,
    /// The SQLite file (on PostgreSQL, a name in the test's folder where no ledger is).
    db: PathBuf,
    /// What `--db` takes: the file or the URL.
    arg: OsString,
    backend: Backend,
}

impl Cli {
    fn new() -> Cli {
        Cli::on(&Backend::Sqlite)
    }

    /// A place for a ledger on `backend`, nothing created yet.
    fn on(backend: &Backend) -> Cli {
        let place = backend.fresh();
        let db = place.dir.path().join("acct.db");
        let arg = match backend {
            Backend::Sqlite => db.clone().into(),
            Backend::Postgres(_) => place.arg.clone(),
        };
        Cli { place, db, arg, backend: backend.clone() }
    }

    fn dir(&self) -> &Path {
        self.place.dir.path()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db").arg(&self.arg).args(args).env("FAXCREDIT_NOW", "2026-11-24T10:00:00Z");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child =
            self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }

    /// A prepaid account with users bob (user) and alice (manager) and one card.
    fn prepaid(value: &str) -> Cli {
        Cli::prepaid_on(&Backend::Sqlite, value)
    }

    fn prepaid_on(backend: &Backend, value: &str) -> Cli {
        let c = Cli::on(backend);
        c.ok(&["init", "--name", "Acme", "--kind", "prepaid", "--email", "ops@acme.example"]);
        assert!(c.run_stdin(&["user", "add", "alice", "--role", "manager"], "alice-password\n").status.success());
        assert!(c.run_stdin(&["user", "add", "bob", "--role", "user"], "bob-password\n").status.success());
        c.ok(&["card", "apply", value]);
        c
    }

    /// Every row of every table: to prove a refused command changed nothing.
    fn fingerprint(&self) -> String {
        let tables = ["account", "users", "packages", "rates", "cards", "faxes", "activity", "attempts"];
        let mut out = String::new();
        match self.backend {
            Backend::Sqlite => {
                let conn = rusqlite::Connection::open(&self.db).unwrap();
                for table in tables {
                    let mut st = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
                    let n = st.column_count();
                    let mut rows = st.query([]).unwrap();
                    while let Some(r) = rows.next().unwrap() {
                        for i in 0..n {
                            out.push_str(&format!("{:?}|", r.get_ref(i).unwrap()));
                        }
                        out.push('\n');
                    }
                }
            }
            // A row as PostgreSQL writes a whole record in text.
            Backend::Postgres(_) => {
                let db = faxcredit::Db::open(self.place.location()).unwrap();
                for table in tables {
                    let sql = format!("SELECT CAST(t AS TEXT) FROM {table} t ORDER BY 1");
                    for row in db.conn().query(&sql, &[], |r| r.get::<String>(0)).unwrap() {
                        out.push_str(&row);
                        out.push('\n');
                    }
                }
            }
        }
        assert!(out.lines().count() >= 3, "the fingerprint holds the account, its users, its packages: {out}");
        out
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

on_both! {
    fn a_gateway_bills_faxes_and_reads_cards_through_the_cli(backend) {
        let c = Cli::prepaid_on(&backend, "50");
        let bill = [
            "bill",
            "--id",
            "T1",
            "--user",
            "bob",
            "--to",
            "+1 212 555 0100",
            "--pages",
            "3",
            "--at",
            "2026-11-24T09:00:00Z",
            "--subject",
            "Hello",
        ];
        let out = c.ok(&bill);
        assert!(out.contains("billed fax T1: 0.3000"), "{out}");
        // The same fax again: exists, exit 0, nothing changed.
        let before = c.fingerprint();
        let again = c.run(&bill);
        assert_eq!(code(&again), 0);
        assert!(String::from_utf8_lossy(&again.stdout).starts_with("exists"));
        assert_eq!(c.fingerprint(), before);
        // Different pages: 4, and one line naming the field.
        let diff = c.run(&[
            "bill",
            "--id",
            "T1",
            "--user",
            "bob",
            "--to",
            "+1 212 555 0100",
            "--pages",
            "4",
            "--at",
            "2026-11-24T09:00:00Z",
            "--subject",
            "Hello",
        ]);
        assert_eq!(code(&diff), 4);
        assert!(stderr(&diff).contains("exists_with_different_pages"));
        assert_eq!(stderr(&diff).lines().count(), 1);
        // A JSON record with InterFAX's field names.
        c.ok(&["bill", "--json", r#"{"id":"T2","userId":"alice","destinationFax":"0044 20 7946 0000","submitTime":"2026-11-24T09:05:00Z","pagesSent":2,"units":2,"costPerUnit":0.0725}"#]);
        // Too costly: 205000, exit 3.
        let big = c.run(&["bill", "--id", "T3", "--user", "bob", "--to", "+12125550100", "--pages", "9999"]);
        assert_eq!(code(&big), 3);
        assert!(stderr(&big).contains("205000 - Quota Exceeded"), "{}", stderr(&big));

        let cards: serde_json::Value = serde_json::from_str(&c.ok(&["cards", "--json"])).unwrap();
        let card = &cards[0];
        let mut keys: Vec<&str> = card.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "balance",
                "bonus",
                "close_date",
                "face_value",
                "id",
                "issue_date",
                "original_balance",
                "package",
                "percent_used",
                "previous_card",
                "status",
                "used"
            ]
        );
        assert_eq!(card["used"], "0.4450");
        assert_eq!(card["balance"], "49.5550");
        assert_eq!(card["original_balance"], "50.0000");
        assert_eq!(card["package"], serde_json::Value::Null, "no catalog package is 50.00 without bonus");
        assert_eq!(card["status"], "active");
        assert_eq!(card["issue_date"], "2026-11-24T10:00:00Z");

        let lines: Vec<serde_json::Value> =
            c.ok(&["activity", "1001", "--json"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.iter().map(|l| l["fax_id"].as_str().unwrap()).collect::<Vec<_>>(), ["T2", "T1"]);
        let human = c.ok(&["activity", "1001"]);
        assert!(human.contains("card 1001: 2 lines"), "{human}");

        let out = c.dir().join("card.csv");
        c.ok(&["export", "1001", "--out", out.to_str().unwrap()]);
        let csv = std::fs::read_to_string(&out).unwrap();
        assert!(csv.starts_with("\u{feff}card_id,fax_id,submit_time"));
        assert_eq!(csv.lines().count(), 3);
        assert!(c.ok(&["check"]).starts_with("ok:"));
        let attempts = c.ok(&["attempts"]);
        assert!(attempts.contains("T3"));
    }
}

on_both! {
    fn hostile_input_gets_one_clear_error_with_the_right_exit_code_and_changes_nothing(backend) {
        let c = Cli::prepaid_on(&backend, "20");
        c.ok(&["bill", "--id", "OK1", "--user", "bob", "--to", "+12125550100", "--pages", "1"]);
        let before = c.fingerprint();
        let base = |id: &str| -> Vec<String> {
            ["bill", "--id", id, "--user", "bob", "--to", "+12125550100", "--pages", "1"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        let with = |k: &str, v: &str| -> Vec<String> {
            let mut a = base("H1");
            if let Some(i) = a.iter().position(|x| x == k) {
                a[i + 1] = v.to_string();
            } else {
                a.push(k.to_string());
                a.push(v.to_string());
            }
            a
        };
        let cases: Vec<(Vec<String>, i32, &str)> = vec![
            (with("--pages", "-1"), 2, "pagesSent"),
            (with("--pages", "0"), 2, "pagesSubmitted"),
            (with("--pages", "100000000"), 2, "pagesSent"),
            (with("--pages", "three"), 2, "pagesSent"),
            (with("--pages", "1.5"), 2, "pagesSent"),
            (with("--duration", "-30"), 2, "duration"),
            (with("--duration", "99999999999999999999999"), 2, "duration"),
            (with("--user", "x'; DROP TABLE faxes; --"), 2, "userId"),
            (with("--to", "not-a-number"), 2, "destinationFax"),
            (with("--to", "+1 212 555 0100; rm -rf /"), 2, "destinationFax"),
            (with("--at", "2026-02-30T10:00:00Z"), 2, "submitTime"),
            (with("--at", "now"), 2, "submitTime"),
            (with("--id", "=HYPERLINK(\"x\")"), 2, "id"),
            (with("--id", ""), 2, "id"),
            (with("--subject", "a\u{7}bell"), 2, "subject"),
            (vec!["bill".into(), "--json".into(), "{not json".into()], 2, "JSON"),
            (vec!["bill".into(), "--json".into(), "{\"id\":\"J\",\"userId\":\"bob\",\"destinationFax\":\"+12125550100\",\"submitTime\":\"2026-11-24T09:00:00Z\",\"pagesSent\":1e400}".into()], 2, "pagesSent"),
            (vec!["bill".into(), "--id".into(), "X".into()], 2, "required"),
            (vec!["card".into(), "apply".into(), "-5".into()], 2, "value"),
            (vec!["card".into(), "apply".into(), "abc".into()], 2, "value"),
            (vec!["card".into(), "apply".into(), "1e3".into()], 2, "value"),
            (vec!["card".into(), "apply".into(), "10.000001".into()], 2, "value"),
            (vec!["activity".into(), "9999".into()], 2, "no card 9999"),
            (vec!["activity".into(), "'; DROP TABLE cards".into()], 2, "card"),
            (vec!["export".into(), "1001".into(), "--out".into(), "/nonexistent-dir/x.csv".into()], 2, "does not exist"),
            (vec!["init".into(), "--name".into(), "Again".into(), "--kind".into(), "prepaid".into(), "--email".into(), "a@b.example".into()], 2, "already"),
            (vec!["frobnicate".into()], 2, ""),
        ];
        for (args, want, needle) in cases {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = c.run(&refs);
            let err = stderr(&o);
            assert_eq!(code(&o), want, "{args:?}: {err}");
            assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
            if !args[0].starts_with("frob") && !needle.contains("required") {
                assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line, got {err:?}");
            }
            assert_eq!(c.fingerprint(), before, "{args:?} changed the database");
        }
        // SQL in a subject is only text: stored as given, the database intact.
        c.ok(&[
            "bill",
            "--id",
            "SQL1",
            "--user",
            "bob",
            "--to",
            "+12125550100",
            "--pages",
            "1",
            "--subject",
            "'); DROP TABLE activity; --",
        ]);
        assert!(c.ok(&["check"]).starts_with("ok:"));
        let lines = c.ok(&["activity", "1001", "--json", "--limit", "1"]);
        assert!(lines.contains("DROP TABLE activity"));
    }
}

#[test]
fn refuses_files_that_are_not_databases_and_databases_that_do_not_exist() {
    let c = Cli::new();
    std::fs::write(&c.db, vec![0xffu8; 8192]).unwrap();
    let before = std::fs::read(&c.db).unwrap();
    for args in [
        vec!["cards"],
        vec!["check"],
        vec!["bill", "--id", "A", "--user", "bob", "--to", "+12125550100", "--pages", "1"],
    ] {
        let o = c.run(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(stderr(&o).contains("not a Fax Credit database"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(&c.db).unwrap(), before);
    let missing = Cli::new();
    let o = missing.run(&["cards"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no database"));
    assert!(!missing.db.exists(), "reading never creates a database");
    let o = missing.run(&["init", "--name", "X", "--kind", "credit", "--email", "x@y.example"]);
    assert_eq!(code(&o), 2, "a credit account needs a limit");
    assert!(!missing.db.exists(), "a refused init leaves no file");
}

on_both! {
    fn imports_hostile_files_record_by_record(backend) {
        let c = Cli::prepaid_on(&backend, "100");
        let dir = c.dir();
        // A 10 MB line, a line that is not UTF-8, and good records around them.
        let mut data = Vec::new();
        data.extend_from_slice(br#"{"id":"G1","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":1}"#);
        data.push(b'\n');
        data.extend_from_slice(b"{\"id\":\"BIG\",\"subject\":\"");
        data.extend(std::iter::repeat_n(b'A', 10 * 1024 * 1024));
        data.extend_from_slice(b"\"}\n");
        data.extend_from_slice(b"{\"id\":\"BAD\",\"subject\":\"\xff\xfe\"}\n");
        data.extend_from_slice(br#"{"id":"G2","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:01:00Z","pagesSent":2}"#);
        data.push(b'\n');
        let f = dir.join("hostile.ndjson");
        std::fs::write(&f, &data).unwrap();
        let o = c.run(&["import", f.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "invalid records make the import exit 2");
        let err = stderr(&o);
        assert!(err.contains("line 2") && err.contains("longer than"), "{err}");
        assert!(err.contains("line 3") && err.contains("UTF-8"), "{err}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("4 records: 2 billed"),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        // A binary file: every "line" is reported, nothing billed, nothing crashes.
        let bin = dir.join("random.bin");
        std::fs::write(&bin, (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<u8>>())
            .unwrap();
        let before = c.fingerprint();
        let o = c.run(&["import", bin.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert_eq!(c.fingerprint(), before);
        let o = c.run(&["import", dir.join("missing.csv").to_str().unwrap()]);
        assert_eq!(code(&o), 2);
        assert!(c.ok(&["check"]).starts_with("ok:"));
    }
}

#[test]
fn several_processes_billing_one_database_never_overdraw_and_bill_each_fax_once() {
    let c = Cli::prepaid("10");
    const PROCS: usize = 4;
    const OWN: usize = 30;
    const SHARED: usize = 15;
    let db = c.db.clone();
    let handles: Vec<_> = (0..PROCS)
        .map(|p| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut acks: Vec<(String, i32, String)> = Vec::new();
                for i in 0..OWN.max(SHARED) {
                    let mut ids = Vec::new();
                    if i < OWN {
                        ids.push(format!("P{p}-{i}"));
                    }
                    if i < SHARED {
                        ids.push(format!("S-{i}"));
                    }
                    for id in ids {
                        let o = Command::new(BIN)
                            .args([
                                "--db",
                                db.to_str().unwrap(),
                                "bill",
                                "--id",
                                &id,
                                "--user",
                                "bob",
                                "--to",
                                "+12125550100",
                                "--pages",
                                "1",
                                "--at",
                                "2026-11-24T09:00:00Z",
                            ])
                            .output()
                            .unwrap();
                        acks.push((id, code(&o), String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(&o)));
                    }
                }
                acks
            })
        })
        .collect();
    let acks: Vec<(String, i32, String)> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    for (id, code, text) in &acks {
        assert!(matches!(code, 0 | 3), "{id}: exit {code}: {text}");
        assert!(!text.contains("locked"), "{id}: {text}");
    }
    let conn = rusqlite::Connection::open(&c.db).unwrap();
    let billed: Vec<String> = {
        let mut st = conn.prepare("SELECT id FROM faxes ORDER BY id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let acked: std::collections::BTreeSet<&str> = acks.iter().filter(|a| a.1 == 0).map(|a| a.0.as_str()).collect();
    assert_eq!(
        billed.iter().map(String::as_str).collect::<std::collections::BTreeSet<_>>(),
        acked,
        "every acknowledged fax, once"
    );
    let newly_billed = acks.iter().filter(|a| a.1 == 0 && a.2.starts_with("billed")).count();
    assert_eq!(newly_billed, billed.len(), "each fax billed by exactly one process");
    // 10.00 of credit at 0.10 a fax: exactly 100 faxes fit, and the rest were refused.
    assert_eq!(billed.len(), 100);
    let (used, orig): (i64, i64) =
        conn.query_row("SELECT used, original_balance FROM cards", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(used, orig);
    assert!(c.ok(&["check"]).starts_with("ok:"));
}

on_both! {
    fn demo_seeds_a_realistic_account_that_exports_cleanly(backend) {
        let c = Cli::on(&backend);
        let out = c.ok(&["demo", "--faxes", "3000"]);
        assert!(out.contains("alice"), "{out}");
        let cards: Vec<serde_json::Value> = serde_json::from_str(&c.ok(&["cards", "--json"])).unwrap();
        assert!(cards.len() >= 5, "several cards");
        let statuses: std::collections::BTreeSet<&str> = cards.iter().map(|c| c["status"].as_str().unwrap()).collect();
        assert!(statuses.contains("depleted") && statuses.contains("active"), "{statuses:?}");
        let packages: std::collections::BTreeSet<&str> = cards.iter().filter_map(|c| c["package"].as_str()).collect();
        assert!(packages.len() >= 3, "{packages:?}");
        let depleted = cards.iter().find(|c| c["status"] == "depleted").unwrap()["id"].as_i64().unwrap();
        let out = c.dir().join("demo.csv");
        c.ok(&["export", &depleted.to_string(), "--out", out.to_str().unwrap()]);
        let mut rdr = csv::Reader::from_path(&out).unwrap();
        let total: rust_decimal::Decimal =
            rdr.records().map(|r| r.unwrap()[11].parse::<rust_decimal::Decimal>().unwrap()).sum();
        let card = cards.iter().find(|c| c["id"] == depleted).unwrap();
        assert_eq!(total.to_string(), card["used"].as_str().unwrap());
        assert!(c.ok(&["check"]).starts_with("ok:"));
        let again = c.run(&["demo"]);
        assert_eq!(code(&again), 2, "a database that holds an account is never re-seeded");
    }
}

on_both! {
    /// Issue 13, item 14: every CSV export starts with a UTF-8 byte-order mark, so Excel reads
    /// "Réponse" and "Müller" as written; `--no-bom` leaves it out for pipelines.
    fn every_csv_export_starts_with_a_utf8_bom_unless_no_bom_is_given(backend) {
        let c = Cli::prepaid_on(&backend, "50");
        c.ok(&["bill", "--id", "T1", "--user", "bob", "--to", "+12125550100", "--pages", "1", "--subject", "Réponse"]);
        let read = |name: &str, args: &[&str]| -> Vec<u8> {
            let out = c.dir().join(name);
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--out", out.to_str().unwrap()]);
            c.ok(&all);
            std::fs::read(&out).unwrap()
        };
        let card = read("card.csv", &["export", "1001"]);
        assert!(card.starts_with(b"\xEF\xBB\xBFcard_id,"), "{:?}", &card[..8]);
        assert!(String::from_utf8(card).unwrap().contains(",Réponse\r\n"));
        assert!(read("plain.csv", &["export", "1001", "--no-bom"]).starts_with(b"card_id,"));
        let report = ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "user"];
        assert!(read("report.csv", &report).starts_with(b"\xEF\xBB\xBFfrom,to,user,"));
        assert!(read("plain-report.csv", &[&report[..], &["--no-bom"]].concat()).starts_with(b"from,to,user,"));
    }
}

/// As the exports above, the order history's (on SQLite until the orders are on the storage
/// seam).
#[test]
fn the_order_history_export_starts_with_a_utf8_bom_unless_no_bom_is_given() {
    let c = Cli::prepaid("50");
    let read = |name: &str, args: &[&str]| -> Vec<u8> {
        let out = c.dir().join(name);
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--out", out.to_str().unwrap()]);
        c.ok(&all);
        std::fs::read(&out).unwrap()
    };
    assert!(read("orders.csv", &["orders", "export"]).starts_with(b"\xEF\xBB\xBForder_id,"));
    assert!(read("plain-orders.csv", &["orders", "export", "--no-bom"]).starts_with(b"order_id,"));
}

on_both! {
    fn a_reader_that_goes_away_ends_the_output_quietly(backend) {
        let c = Cli::on(&backend);
        c.ok(&["demo", "--faxes", "300"]);
        let card = c.ok(&["cards", "--json"]);
        let card: serde_json::Value = serde_json::from_str(&card).unwrap();
        let card = card[0]["id"].to_string();
        // `| head` closes the pipe: here before the first byte is written, so every write fails.
        for args in [&["cards"][..], &["cards", "--json"], &["activity", &card], &["activity", &card, "--json"]] {
            let mut child = c.cmd(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            drop(child.stdout.take());
            let o = child.wait_with_output().unwrap();
            assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
            assert_eq!(stderr(&o), "", "{args:?}");
        }
    }
}

/// The account's zone is the computer's (here `TZ`) until `account set --time-zone` fixes one;
/// then every process counts the same days, whatever its own zone. An unknown zone is one
/// clear error, exit 2, and nothing is saved.
#[test]
fn days_follow_the_computers_zone_until_the_account_sets_one() {
    let c = Cli::prepaid("10");
    // 10:59:59 and 11:00 UTC on 24 November: two days in Auckland, one in Los Angeles.
    c.ok(&[
        "bill",
        "--id",
        "a",
        "--user",
        "bob",
        "--to",
        "+12125550100",
        "--pages",
        "3",
        "--at",
        "2026-11-24T10:59:59Z",
    ]);
    c.ok(&[
        "bill",
        "--id",
        "b",
        "--user",
        "bob",
        "--to",
        "+12125550100",
        "--pages",
        "2",
        "--at",
        "2026-11-24T11:00:00Z",
    ]);
    let spend = |tz: &str| -> serde_json::Value {
        let o = c.cmd(&["spend", "--days", "3", "--json"]).env("TZ", tz).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let days = |v: &serde_json::Value| -> Vec<(String, i64)> {
        v["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["day"].as_str().unwrap().into(), d["faxes"].as_i64().unwrap()))
            .collect()
    };
    let nz = spend("Pacific/Auckland");
    assert_eq!(nz["time_zone"], "Pacific/Auckland");
    assert_eq!(days(&nz), [("2026-11-22".into(), 0), ("2026-11-23".into(), 0), ("2026-11-24".into(), 1)]);
    let la = spend("America/Los_Angeles");
    assert_eq!(days(&la), [("2026-11-22".into(), 0), ("2026-11-23".into(), 0), ("2026-11-24".into(), 2)]);
    let o = c.cmd(&["account", "show"]).env("TZ", "America/Los_Angeles").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("America/Los_Angeles (the computer's zone"));

    let before = c.fingerprint();
    let o = c.run(&["account", "set", "--time-zone", "Pacific/Atlantis"]);
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("time_zone") && err.contains("Pacific/Atlantis") && err.contains("[invalid_input]"), "{err}");
    assert_eq!(c.fingerprint(), before, "nothing saved");

    assert!(c.ok(&["account", "set", "--time-zone", "Pacific/Auckland"]).contains("Pacific/Auckland"));
    // Now Los Angeles counts Auckland's days too, and a day filter is Auckland's day.
    assert_eq!(days(&spend("America/Los_Angeles")), days(&nz));
    let v: serde_json::Value = serde_json::from_str(&c.ok(&["account", "show", "--json"])).unwrap();
    assert_eq!((v["time_zone"].as_str(), v["time_zone_set"].as_bool()), (Some("Pacific/Auckland"), Some(true)));
    let o = c
        .cmd(&["activity", "1001", "--json", "--from", "2026-11-25", "--to", "2026-11-25"])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let ids: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["fax_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["b"]);
    assert!(c.ok(&["account", "set", "--time-zone", "system"]).contains("the computer's zone"));
}
