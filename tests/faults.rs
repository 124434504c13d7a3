//! Faults and hostile files: a damaged, newer, busy or full database, and an export to a full
//! disk. Each ends in one clear error and a consistent ledger; nothing half-done is left.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

fn cli(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--db").arg(db).args(args).stdin(Stdio::null()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An account with user bob and a 100.00 card, in a fresh folder.
fn account() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("acct.db");
    common::cli_account_with_bob(BIN, &db);
    assert!(cli(&db, &["card", "apply", "100"]).status.success());
    (dir, db)
}

fn bill(db: &Path, id: &str) -> Output {
    cli(db, &["bill", "--id", id, "--user", "bob", "--to", "+12125550100", "--pages", "2"])
}

/// Runs the CLI with a file-size limit, SIGXFSZ ignored, so writes past it fail with EFBIG as a
/// full disk would.
fn with_fsize_limit(limit: u64, db: &Path, args: &[&str]) -> Output {
    let mut script = format!("trap '' XFSZ; exec prlimit --fsize={limit} '{BIN}' --db '{}'", db.display());
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    Command::new("sh").args(["-c", &script]).output().unwrap()
}

#[test]
fn a_truncated_database_is_refused_clearly_and_left_as_it_is() {
    let (_d, db) = account();
    for i in 0..20 {
        assert!(bill(&db, &format!("f{i}")).status.success());
    }
    assert!(cli(&db, &["check"]).status.success());
    let _ = std::fs::remove_file(db.with_extension("db-wal"));
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in
        [&["cards"][..], &["check"], &["bill", "--id", "x", "--user", "bob", "--to", "+12125550100", "--pages", "1"]]
    {
        let o = cli(&db, args);
        assert!(!o.status.success(), "{args:?}");
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing changed");
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_not_touched() {
    let (_d, db) = account();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let o = bill(&db, "n1");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("newer version"), "{}", stderr(&o));
    assert!(stderr(&o).contains("[newer_schema]"));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_database_locked_by_another_program_is_waited_for_not_reported() {
    let (_d, db) = account();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE; UPDATE cards SET lines = lines;").unwrap();
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["bill", "--id", "L1", "--user", "bob", "--to", "+12125550100", "--pages", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the bill ended while the other program held the lock");
    conn.execute_batch("COMMIT").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("locked") && !stderr(&o).contains("busy"), "{}", stderr(&o));
    let billed: i64 = conn.query_row("SELECT count(*) FROM faxes WHERE id = 'L1'", [], |r| r.get(0)).unwrap();
    assert_eq!(billed, 1, "billed once the lock was free");
}

#[test]
fn an_export_to_a_full_disk_fails_clearly_and_leaves_no_file() {
    let (dir, db) = account();
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(r#"{{"id":"E{i}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":1,"subject":"quarterly report {i}"}}"#));
        text.push('\n');
    }
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, text).unwrap();
    assert!(cli(&db, &["card", "apply", "1000"]).status.success());
    assert!(cli(&db, &["import", file.to_str().unwrap()]).status.success());
    let out_dir = dir.path().join("exports");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("card.csv");
    std::fs::write(&target, "an older export\r\n").unwrap();
    let o = with_fsize_limit(64 * 1024, &db, &["export", "1001", "--out", target.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("i/o error"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "an older export\r\n", "the old file is intact");
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    assert!(cli(&db, &["export", "1001", "--out", target.to_str().unwrap()]).status.success());
}

/// Bytes of the ledger's file with `suffix` (`""`, `"-wal"`, `"-shm"`).
fn file_len(db: &Path, suffix: &str) -> u64 {
    let mut p = db.as_os_str().to_os_string();
    p.push(suffix);
    std::fs::metadata(&p).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", PathBuf::from(p).display()))
}

#[test]
fn billing_on_a_full_disk_fails_clearly_and_bills_nothing() {
    let (_d, db) = account();
    // Another connection holds the ledger open, as the app would: a CLI closing it neither
    // checkpoints nor removes the WAL and the shared memory, which stay in place at their size.
    let holder = rusqlite::Connection::open(&db).unwrap();
    let faxes =
        |c: &rusqlite::Connection| c.query_row("SELECT count(*) FROM faxes", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(faxes(&holder), 0);
    for i in 0..10 {
        assert!(bill(&db, &format!("w{i}")).status.success());
    }
    let (wal, shm) = (file_len(&db, "-wal"), file_len(&db, "-shm"));
    assert!(wal > shm, "the WAL ({wal} bytes) is the file that must grow");
    // Just above the WAL's current size: the database opens (its shared memory is already
    // sized) and reads, but the fax's transaction cannot append its pages to the WAL.
    let limit = wal + 1024;
    let read = with_fsize_limit(limit, &db, &["cards", "--json"]);
    assert!(read.status.success(), "a read under the limit: {}", stderr(&read));
    let before = String::from_utf8_lossy(&read.stdout).to_string();
    assert!(before.contains(r#""used": "2.0000""#), "{before}");

    let o = with_fsize_limit(
        limit,
        &db,
        &["bill", "--id", "full1", "--user", "bob", "--to", "+12125550100", "--pages", "2"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    // A file-size limit fails the write with EFBIG, which SQLite reports as an I/O error (a full
    // file system, ENOSPC, would read "database or disk is full").
    assert!(stderr(&o).contains("disk I/O error [database_error]"), "the write's error: {}", stderr(&o));
    assert!(file_len(&db, "-wal") <= limit, "the WAL did not grow past the limit");
    assert!(cli(&db, &["check"]).status.success());
    assert_eq!(String::from_utf8_lossy(&cli(&db, &["cards", "--json"]).stdout), before, "nothing billed");
    assert_eq!(faxes(&holder), 10);
    let attempts: i64 = holder.query_row("SELECT count(*) FROM attempts", [], |r| r.get(0)).unwrap();
    assert_eq!(attempts, 0, "not logged as a refusal either");
    // Space again: the same fax bills, once.
    assert!(bill(&db, "full1").status.success());
    assert!(String::from_utf8_lossy(&bill(&db, "full1").stdout).contains("exists"));
    assert_eq!(faxes(&holder), 11);
}

#[cfg(unix)]
#[test]
fn the_database_its_wal_and_the_processor_records_are_readable_by_the_owner_only() {
    use faxcredit::payments::{ChargeRequest, PaymentGateway, Sandbox, StoredCard};
    use std::os::unix::fs::PermissionsExt;
    let (dir, db) = account();
    // Held open, as by the app, so that the WAL and the shared memory of both the ledger and
    // the processor's records exist while they are looked at.
    let ledger = rusqlite::Connection::open(&db).unwrap();
    ledger.query_row("SELECT count(*) FROM faxes", [], |r| r.get::<_, i64>(0)).unwrap();
    assert!(bill(&db, "p1").status.success());
    let sandbox = Sandbox::beside(&db, faxcredit::payments::Fault::None);
    let card = StoredCard { number: "4242424242424242".into(), exp_month: 12, exp_year: 2030, holder: "P".into() };
    let req = ChargeRequest { key: "perm-1", amount: 200_000, currency: "USD", card: &card, description: "test" };
    sandbox.charge(&req).unwrap();
    let records = rusqlite::Connection::open(sandbox.path()).unwrap();
    records.query_row("SELECT count(*) FROM charges", [], |r| r.get::<_, i64>(0)).unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "acct.db",
            "acct.db-shm",
            "acct.db-wal",
            "acct.db.sandbox-payments",
            "acct.db.sandbox-payments-shm",
            "acct.db.sandbox-payments-wal"
        ]
    );
    for name in &names {
        let mode = std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
    }
}

#[test]
fn the_webview_csp_blocks_inline_scripts_and_remote_loads() {
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/tauri.conf.json")).unwrap(),
    )
    .unwrap();
    let csp = &conf["app"]["security"]["csp"];
    let text = match csp {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => {
            m.iter().map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join("; ")
        }
        other => panic!("no CSP: {other}"),
    };
    let directive = |name: &str| text.split(';').map(str::trim).find(|d| d.starts_with(name)).map(str::to_string);
    let script = directive("script-src").or_else(|| directive("default-src")).expect("script-src");
    assert!(!script.contains("unsafe-inline") && !script.contains("unsafe-eval"), "{script}");
    for name in ["default-src", "script-src", "connect-src", "img-src", "style-src"] {
        if let Some(d) = directive(name) {
            // Tauri's own IPC origin is the one http source allowed (Linux and Windows use it).
            let remote = d.split_whitespace().skip(1).any(|src| {
                src != "http://ipc.localhost" && (src.starts_with("http") || src.contains('*') || src.starts_with("ws"))
            });
            assert!(!remote, "{name} allows remote loads: {d}");
        }
    }
}

/// Issue 13, item 10: the page is granted only what it uses. It calls the app's own commands
/// through `invoke` (no capability needed) and listens to events; `core:default` would also
/// hand it the menu, tray, path, window and webview APIs.
#[test]
fn the_webview_is_granted_only_listening_to_events() {
    const ALLOWED: [&str; 2] = ["core:event:allow-listen", "core:event:allow-unlisten"];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let cap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for p in cap["permissions"].as_array().expect("a permissions list") {
            let id = p.as_str().or_else(|| p["identifier"].as_str()).unwrap_or_default();
            assert!(ALLOWED.contains(&id), "{} grants {p}: only {ALLOWED:?} are used by the page", path.display());
            assert!(p.is_string(), "{}: {p} widens a permission's scope", path.display());
        }
        for key in ["remote", "platforms", "webviews"] {
            assert!(cap.get(key).is_none(), "{}: {key} is not needed", path.display());
        }
    }
    // And the page imports nothing else from Tauri: `invoke` and `listen`, in api.ts only.
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for line in text.lines().filter(|l| l.contains("@tauri-apps/")) {
                let ok = p.ends_with("lib/api.ts")
                    && (line.contains("import { invoke } from '@tauri-apps/api/core'")
                        || line.contains("import { listen, type UnlistenFn } from '@tauri-apps/api/event'"));
                assert!(ok, "{}: {line}: the capability does not grant it", p.display());
            }
            assert!(!text.contains("__TAURI"), "{}: reaches Tauri's globals", p.display());
        }
    }
}

#[test]
fn a_read_only_database_refuses_writes_clearly_and_still_reads() {
    let (_d, db) = account();
    assert!(bill(&db, "r1").status.success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(conn);
    let cards = String::from_utf8_lossy(&cli(&db, &["cards", "--json"]).stdout).to_string();
    let before = std::fs::read(&db).unwrap();
    let Some(_guard) = common::scenario::ReadOnly::set(&db) else {
        return common::scenario::cannot_run("a_read_only_database", "no way to make a file read-only here");
    };
    let o = bill(&db, "r2");
    assert!(!o.status.success());
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("[read_only]"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    let read = cli(&db, &["cards", "--json"]);
    assert!(read.status.success(), "still reads: {}", stderr(&read));
    assert_eq!(String::from_utf8_lossy(&read.stdout), cards, "still reads the same cards");
    let lines = cli(&db, &["activity", "1001", "--json"]);
    assert!(String::from_utf8_lossy(&lines.stdout).contains(r#""fax_id":"r1""#), "{}", stderr(&lines));
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing changed");
}
