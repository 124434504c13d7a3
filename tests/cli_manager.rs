//! `faxcredit alerts`, `recipients` and `audit` (issue 16, items 1, 2 and 6): what they print,
//! what bad input they refuse (exit 2, nothing saved), and who the audit log names.

mod common;

use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

fn run_as(db: &std::path::Path, user: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("FAXCREDIT_NOW", "2026-11-24T10:00:00Z")
        .env("USER", user)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn run(db: &std::path::Path, args: &[&str]) -> Output {
    run_as(db, "dana", args)
}

fn ok(db: &std::path::Path, args: &[&str]) -> String {
    let o = run(db, args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn json(db: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(db, args)).unwrap()
}

/// Exit 2 with one line on stderr naming `field`.
fn refused(db: &std::path::Path, args: &[&str], field: &str) {
    let o = run(db, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("faxcredit: {field}")) && err.contains("[invalid_input]"), "{args:?}: {err}");
}

fn account() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    common::cli_account_with_bob(BIN, &db);
    (dir, db)
}

#[test]
fn alerts_start_at_the_default_are_set_and_cleared_and_refuse_bad_levels() {
    let (_dir, db) = account();
    let v = json(&db, &["alerts", "--json"]);
    assert_eq!(v["levels"], serde_json::json!([{"kind": "percent", "value": "80", "passed": false}]));
    assert_eq!(v["default_level"]["value"], "80");

    ok(&db, &["card", "apply", "100.00"]);
    let out = ok(&db, &["alerts", "set", "50.00", "20.00", "80%"]);
    assert!(out.contains("50.00 USD") && out.contains("80%"), "{out}");
    for bad in [
        &["alerts", "set", "0"][..],
        &["alerts", "set", "50.00", "-5"],
        &["alerts", "set", "100%"],
        &["alerts", "set", "12.34567"],
        &["alerts", "set", "ten"],
    ] {
        let field = if bad.len() == 4 { "level 2" } else { "level 1" };
        refused(&db, bad, field);
    }
    assert_eq!(run(&db, &["alerts", "set"]).status.code(), Some(2), "at least one level");
    let v = json(&db, &["alerts", "--json"]);
    let levels: Vec<String> =
        v["levels"].as_array().unwrap().iter().map(|l| l["value"].as_str().unwrap().to_string()).collect();
    assert_eq!(levels, ["50.0000", "20.0000", "80"], "nothing saved by a refusal");

    // 60.00 billed: 40.00 left, past 50.00.
    let o = run(&db, &["bill", "--id", "f1", "--user", "bob", "--to", "+12125550100", "--pages", "600"]);
    assert!(o.status.success());
    let v = json(&db, &["alerts", "--json"]);
    assert_eq!((v["remaining"].as_str(), v["levels"][0]["passed"].as_bool()), (Some("40.0000"), Some(true)));
    assert_eq!(v["days_left"], 0);
    let outbox = json(&db, &["outbox", "--json"]);
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["kind"], "low_credit");

    ok(&db, &["alerts", "clear"]);
    assert_eq!(json(&db, &["alerts", "--json"])["levels"], serde_json::json!([]));
}

#[test]
fn recipients_are_added_changed_and_removed_and_a_bad_address_is_refused() {
    let (_dir, db) = account();
    ok(&db, &["recipients", "add", "finance@acme.example"]);
    ok(&db, &["recipients", "add", "oncall@acme.example", "--only", "alerts"]);
    let v = json(&db, &["recipients", "--json"]);
    let list: Vec<(String, Value)> =
        v.as_array().unwrap().iter().map(|r| (r["address"].as_str().unwrap().to_string(), r["only"].clone())).collect();
    assert_eq!(
        list,
        [
            ("ops@acme.example".to_string(), Value::Null),
            ("finance@acme.example".to_string(), Value::Null),
            ("oncall@acme.example".to_string(), Value::from("alerts")),
        ]
    );
    assert_eq!(v[0]["account_email"], true);
    ok(&db, &["recipients", "add", "ONCALL@acme.example", "--only", "refusals"]);
    assert_eq!(json(&db, &["recipients", "--json"])[2]["only"], "refusals");

    for bad in ["not-an-email", "a@b", "x@@acme.example", "two words@acme.example"] {
        refused(&db, &["recipients", "add", bad], "email");
    }
    refused(&db, &["recipients", "add", "x@acme.example", "--only", "invoices"], "only");
    refused(&db, &["recipients", "add", "OPS@acme.example"], "email");
    assert_eq!(run(&db, &["recipients", "remove", "nobody@acme.example"]).status.code(), Some(2));
    assert_eq!(json(&db, &["recipients", "--json"]).as_array().unwrap().len(), 3, "nothing saved by a refusal");

    ok(&db, &["recipients", "remove", "finance@acme.example"]);
    let out = ok(&db, &["recipients"]);
    assert!(
        out.contains("ops@acme.example") && out.contains("(the account email)") && !out.contains("finance"),
        "{out}"
    );
}

#[test]
fn the_audit_log_names_the_os_user_of_each_command_and_exports_safely() {
    let (dir, db) = account();
    ok(&db, &["alerts", "set", "25.00"]);
    let o = run_as(&db, "=HYPERLINK(\"http://x\")", &["recipients", "add", "=cmd@acme.example"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A refused command writes no line.
    refused(&db, &["alerts", "set", "0"], "level 1");

    let v = json(&db, &["audit", "--json"]);
    let lines = v.as_array().unwrap();
    assert_eq!(lines.len(), 2, "{v}");
    assert_eq!(lines[1]["actor"], "dana");
    assert_eq!(lines[1]["via"], "cli");
    assert_eq!(lines[1]["action"], "alerts_set");
    assert_eq!(lines[1]["detail"], "25.00 USD (was 80%)");
    assert_eq!(lines[1]["at"], "2026-11-24T10:00:00Z");
    assert_eq!(lines[0]["action"], "recipient_added");
    let text = ok(&db, &["audit"]);
    assert!(text.contains("dana (cli)") && text.contains("alerts_set"), "{text}");

    let out = dir.path().join("audit.csv");
    ok(&db, &["audit", "export", "--out", out.to_str().unwrap()]);
    let csv = std::fs::read(&out).unwrap();
    assert!(csv.starts_with(faxcredit::export::BOM));
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let rows: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(rows[0], "id,at,actor,via,action,detail");
    assert!(rows[1].starts_with("1,2026-11-24T10:00:00Z,dana,cli,alerts_set,"), "oldest first: {csv}");
    // Typed text cannot become a formula in a spreadsheet: the actor (an OS user name) and the detail.
    assert!(rows[2].contains(r#""'=HYPERLINK(""http://x"")""#), "{csv}");
    assert!(rows[2].contains("'=cmd@acme.example: every message"), "{csv}");
    assert_eq!(run(&db, &["audit", "--limit", "0"]).status.code(), Some(2));
}
