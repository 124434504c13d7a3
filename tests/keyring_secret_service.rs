//! Against the real Secret Service (gnome-keyring under dbus-run-session; `cargo xtask test` runs
//! these): the card is stored, read, replaced and removed in the OS keyring, and no card number or
//! CVV is ever in the SQLite file, its WAL, an export or the CLI's output.
//!
//! `dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets;
//!  cargo test --test keyring_secret_service -- --include-ignored'`

mod common;

use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::secrets::{KeyringStore, SecretStore};

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");
const NUMBER: &str = "4242424242424242";
const OTHER: &str = "5555555555554444";
const CVV: &str = "731";

fn cli(db: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    common::cli_with_stdin(BIN, db, args, stdin)
}

/// Every file in `dir` (the database, its WAL and SHM, the sandbox's records, exports).
fn scan_for(dir: &std::path::Path, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let bytes = std::fs::read(&p).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for n in needles {
            if text.contains(n) {
                hits.push(format!("{} holds {n}", p.display()));
            }
        }
    }
    hits
}

#[test]
#[ignore = "needs a Secret Service on the session bus (cargo xtask test provides one)"]
fn stores_reads_replaces_and_removes_the_card_in_the_real_keyring() {
    let mut s = common::prepaid();
    let store = KeyringStore::open(&mut s.db).unwrap();
    let now = common::t("2026-11-24T10:00:00Z");
    let input = |n: &str| CardInput {
        number: n.into(),
        expiry: "12/28".into(),
        holder: "Alice Smith".into(),
        cvv: Some(CVV.into()),
    };
    let shown = payment_method::set(&mut s.db, &store, &input(NUMBER), &common::tester(), now).unwrap();
    assert_eq!((shown.brand.as_str(), shown.last4.as_str()), ("Visa", "4242"));
    assert_eq!(payment_method::load(&store).unwrap().number, NUMBER);
    // A second handle (as the CLI or a restarted app would open) reads the same entry.
    let again = KeyringStore::open(&mut s.db).unwrap();
    assert_eq!(payment_method::load(&again).unwrap().holder, "Alice Smith");
    assert!(!again.get(payment_method::SECRET_NAME).unwrap().unwrap().contains(CVV), "the CVV is never stored");

    payment_method::set(&mut s.db, &store, &input(OTHER), &common::tester(), now).unwrap();
    assert_eq!(payment_method::load(&again).unwrap().number, OTHER);
    assert_eq!(payment_method::on_file(&s.db, now).unwrap().unwrap().brand, "Mastercard");

    assert!(payment_method::remove(&mut s.db, &store, &common::tester(), now).unwrap());
    assert_eq!(again.get(payment_method::SECRET_NAME).unwrap(), None);
    assert_eq!(payment_method::on_file(&s.db, now).unwrap(), None);
    assert_eq!(payment_method::load(&again).unwrap_err().code(), "no_payment_card");
}

#[test]
#[ignore = "needs a Secret Service on the session bus (cargo xtask test provides one)"]
fn the_cli_buys_with_the_keyring_card_and_no_file_holds_the_number_or_cvv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("acct.db");
    assert!(cli(&db, &["demo", "--faxes", "400"], "").status.success());
    let o = cli(&db, &["payment-card", "set"], &format!("{NUMBER}\n12/28\nAlice Smith\n{CVV}\n"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(&db, &["purchase", "business"], "");
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Visa •••• 4242"), "{out}");
    assert!(out.contains("bought: Business for 100.00 USD with"), "the charge in the currency's decimals: {out}");
    let o = cli(&db, &["payment-card", "set"], "4000000000009995\n12/28\nAlice Smith\n");
    assert!(o.status.success());
    let o = cli(&db, &["purchase", "pro"], "");
    assert_eq!(o.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&o.stderr).contains("insufficient funds"));

    // The SMTP password goes to the keyring too.
    let o = cli(
        &db,
        &[
            "email",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            "2525",
            "--security",
            "none",
            "--from",
            "f@x.example",
            "--user",
            "mailer",
        ],
        "smtp-s3cret-Pw\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let export = dir.path().join("orders.csv");
    assert!(cli(&db, &["orders", "export", "--out", export.to_str().unwrap()], "").status.success());
    assert!(cli(&db, &["export", "1001", "--out", dir.path().join("card.csv").to_str().unwrap()], "").status.success());
    let show = cli(&db, &["payment-card", "show", "--json"], "");
    let all_output = String::from_utf8_lossy(&show.stdout).to_string() + &String::from_utf8_lossy(&show.stderr);
    assert!(!all_output.contains(NUMBER) && !all_output.contains("4000000000009995"));
    let hits = scan_for(dir.path(), &[NUMBER, "4000000000009995", "4242 4242", "424242424242", "smtp-s3cret-Pw"]);
    assert!(hits.is_empty(), "{hits:?}");
    // Three digits occur anywhere in a ledger, so the CVV is looked for where a card is kept.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept: String = conn
        .query_row(
            "SELECT group_concat(brand || last4 || exp_month || exp_year) || (SELECT group_concat(card_brand || card_last4 || coalesce(reason, '')) FROM orders) FROM payment_card",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!kept.contains(CVV), "{kept}");
    assert!(cli(&db, &["payment-card", "remove"], "").status.success());
}

/// With no Secret Service on the session bus (its address leads nowhere), the CLI says so with
/// exit 7 and `[keyring_unavailable]`, and stores nothing: no card, no SMTP login, no number in
/// any file. Runs everywhere: it needs no keyring.
#[test]
fn without_a_keyring_the_cli_refuses_with_exit_7_and_stores_nothing() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nokeyring.db");
    common::cli_account_with_bob(BIN, &db);
    let run = |args: &[&str], stdin: &str| {
        let mut c = Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dir.path().join("no-bus").display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    let card_input = format!("{NUMBER}\n12/30\nNo Keyring\n{CVV}\n");
    for (args, stdin) in [
        (&["payment-card", "set"][..], card_input.as_str()),
        (
            &[
                "email",
                "set",
                "--host",
                "smtp.example.com",
                "--port",
                "587",
                "--security",
                "starttls",
                "--from",
                "fax@acme.example",
                "--user",
                "mailer",
            ][..],
            "smtp-secret\n",
        ),
    ] {
        let o = run(args, stdin);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(7), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.trim_end().ends_with("[keyring_unavailable]"), "{err}");
    }
    let show = run(&["payment-card", "show"], "");
    assert!(String::from_utf8_lossy(&show.stdout).contains("no payment card"), "no card stored");
    let email = run(&["email", "show", "--json"], "");
    assert!(!String::from_utf8_lossy(&email.stdout).contains("mailer"), "no SMTP login stored");
    assert_eq!(scan_for(dir.path(), &[NUMBER, "smtp-secret"]), Vec::<String>::new());
}
