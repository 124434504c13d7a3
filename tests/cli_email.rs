//! `faxcredit email` and `faxcredit outbox` against a real SMTP server on loopback, and the
//! other buying and notifying commands, on both backends.

mod common;

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

use common::smtp::SmtpServer;

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

fn cli(db: &OsStr, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("FAXCREDIT_NOW", "2026-11-24T10:00:00Z")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(db: &OsStr, args: &[&str]) -> String {
    let o = cli(db, args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

on_both! {
    fn a_refused_fax_is_emailed_by_outbox_deliver_once_email_is_set_up(backend) {
        let fresh = backend.fresh();
        let db = fresh.arg.as_os_str();
        common::cli_account_with_bob(BIN, db);
        ok(db, &["card", "apply", "1.00"]);
        let o = cli(db, &["bill", "--id", "f1", "--user", "bob", "--to", "+12125550100", "--pages", "30"]);
        assert_eq!(o.status.code(), Some(3));

        // Not set up: the message waits and says why.
        let o = cli(db, &["outbox", "--deliver"]);
        assert!(o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("email is not set up"));
        assert!(String::from_utf8_lossy(&o.stdout).contains("not_configured"));
        assert_eq!(cli(db, &["email", "test"]).status.code(), Some(2));

        let server = SmtpServer::start();
        let port = server.port().to_string();
        ok(
            db,
            &["email", "set", "--host", "127.0.0.1", "--port", &port, "--security", "none", "--from", "fc@acme.example"],
        );
        let shown = ok(db, &["email", "show", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(v["settings"]["port"], server.port());
        assert_eq!(v["to"], "ops@acme.example");

        let out = ok(db, &["outbox", "--deliver"]);
        assert!(out.contains("sent 1"), "{out}");
        let got = server.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].to, ["ops@acme.example"]);
        assert!(got[0].header("Subject").unwrap().contains("205000 - Quota Exceeded"));
        assert!(ok(db, &["outbox", "--deliver"]).contains("sent 0"));

        let out = ok(db, &["email", "test"]);
        assert!(out.contains("250"), "{out}");
        assert_eq!(server.received().len(), 2);
    }
}

on_both! {
    fn refuses_bad_email_settings_and_changes_nothing(backend) {
        let fresh = backend.fresh();
        let db = fresh.arg.as_os_str();
        ok(db, &["init", "--name", "Acme", "--kind", "prepaid", "--email", "ops@acme.example"]);
        for args in [
            &["email", "set", "--host", "bad host", "--port", "25", "--security", "none", "--from", "a@b.example"][..],
            &["email", "set", "--host", "h.example", "--port", "25", "--security", "rot13", "--from", "a@b.example"],
            &["email", "set", "--host", "h.example", "--port", "0", "--security", "tls", "--from", "a@b.example"],
            &["email", "set", "--host", "h.example", "--port", "70000", "--security", "tls", "--from", "a@b.example"],
            &["email", "set", "--host", "h.example", "--port", "-1", "--security", "tls", "--from", "a@b.example"],
            &["email", "set", "--host", "h.example", "--port", "25", "--security", "tls", "--from", "nobody"],
            // Issue 13, item 7: a login over plain SMTP to another machine.
            &[
                "email",
                "set",
                "--host",
                "h.example",
                "--port",
                "25",
                "--security",
                "none",
                "--from",
                "a@b.example",
                "--user",
                "u",
            ],
        ] {
            let o = cli(db, args);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1, "{args:?}: one clear line");
            if args.contains(&"--user") {
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(err.contains("STARTTLS") && err.contains("TLS (port 465)"), "{err}");
            }
        }
        assert!(ok(db, &["email", "show"]).contains("not set up"));
    }
}

on_both! {
    /// Issue 13, item 13: the outbox reads the CLI's one clock. With `FAXCREDIT_NOW` in the future,
    /// a message queued at that time is due, is sent, and is stamped with that time.
    fn outbox_delivery_reads_the_time_from_faxcredit_now(backend) {
        let fresh = backend.fresh();
        let db = fresh.arg.as_os_str();
        common::cli_account_with_bob(BIN, db);
        let at = |args: &[&str]| {
            Command::new(BIN)
                .arg("--db")
                .arg(db)
                .args(args)
                .env("FAXCREDIT_NOW", "2190-01-01T00:00:00Z")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        };
        ok(db, &["card", "apply", "1.00"]);
        assert_eq!(
            at(&["bill", "--id", "f1", "--user", "bob", "--to", "+12125550100", "--pages", "30"]).status.code(),
            Some(3)
        );
        let server = SmtpServer::start();
        let port = server.port().to_string();
        ok(
            db,
            &["email", "set", "--host", "127.0.0.1", "--port", &port, "--security", "none", "--from", "fc@acme.example"],
        );
        let o = at(&["outbox", "--deliver", "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(list[0]["created_at"], "2190-01-01T00:00:00Z");
        assert_eq!(list[0]["state"], "sent", "{list}");
        assert_eq!(list[0]["sent_at"], "2190-01-01T00:00:00Z");
        assert_eq!(server.received().len(), 1);
    }
}

fn json(db: &OsStr, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(db, args)).unwrap()
}

on_both! {
    /// The other buying and notifying commands, as a manager types them, on either backend:
    /// recipients, alert levels, the repeat order, the card on file, the order history.
    fn recipients_alerts_the_repeat_order_and_orders_from_the_command_line(backend) {
        let fresh = backend.fresh();
        let db = fresh.arg.as_os_str();
        common::cli_account_with_bob(BIN, db);
        let added = ok(db, &["recipients", "add", "ap@acme.example", "--only", "purchases"]);
        assert_eq!(added.trim(), "ap@acme.example gets purchases only");
        let list = json(db, &["recipients", "--json"]);
        let addresses: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["address"].as_str().unwrap()).collect();
        assert_eq!(addresses, ["ops@acme.example", "ap@acme.example"]);
        ok(db, &["recipients", "remove", "AP@acme.example"]);
        assert_eq!(json(db, &["recipients", "--json"]).as_array().unwrap().len(), 1);

        ok(db, &["alerts", "set", "5.00", "80%"]);
        let levels = json(db, &["alerts", "--json"])["levels"].as_array().unwrap().len();
        assert_eq!(levels, 2);
        ok(db, &["alerts", "clear"]);
        assert!(json(db, &["alerts", "--json"])["levels"].as_array().unwrap().is_empty());

        let set = ok(db, &["repeat-order", "set", "standard", "--cap", "200"]);
        assert!(set.starts_with("repeat order: Standard"), "{set}");
        let shown = json(db, &["repeat-order", "show", "--json"]);
        assert_eq!(shown["repeat_order"]["package"]["name"], "Standard");
        assert_eq!(shown["repeat_order"]["monthly_cap"], "200.0000");
        assert_eq!(shown["log"][0]["event"], "set");
        assert_eq!(ok(db, &["repeat-order", "remove"]).trim(), "repeat order removed");
        assert_eq!(json(db, &["repeat-order", "show", "--json"])["repeat_order"], serde_json::Value::Null);

        assert_eq!(ok(db, &["payment-card", "show"]).trim(), "no payment card on file");
        assert_eq!(json(db, &["orders", "--json"]), serde_json::json!([]));
        let out = fresh.file("orders.csv");
        let exported = ok(db, &["orders", "export", "--out", out.to_str().unwrap()]);
        assert!(exported.starts_with("exported 0 orders"), "{exported}");
        // Credit accounts buy nothing: refused by the backend, one line, exit 5.
        let credit = backend.fresh();
        let cdb = credit.arg.as_os_str();
        ok(cdb, &["init", "--name", "C", "--kind", "credit", "--email", "c@acme.example", "--credit-limit", "10"]);
        let o = cli(cdb, &["repeat-order", "set", "starter"]);
        assert_eq!(o.status.code(), Some(5), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
    }
}

/// Everything the ledger keeps, as text: on SQLite its files (the database, its WAL, the sandbox
/// processor's records); on PostgreSQL every row of every table of its schema and of the
/// sandbox's schema beside it.
fn everything_stored(fresh: &common::backends::Fresh) -> String {
    match fresh.location() {
        faxcredit::db::Location::File(_) => std::fs::read_dir(fresh.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("ledger.db"))
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect(),
        faxcredit::db::Location::Postgres(url) => {
            let mut client = postgres::Config::from(url.config.clone()).connect(postgres::NoTls).unwrap();
            let sandbox = format!("{}.sandbox-payments", url.schema);
            let tables = client
                .query(
                    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ($1, $2)",
                    &[&url.schema, &sandbox],
                )
                .unwrap();
            assert!(tables.len() > 20, "the ledger's tables and the sandbox's");
            let mut all = String::new();
            for t in tables {
                let (schema, table): (String, String) = (t.get(0), t.get(1));
                let sql = format!("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{schema}\".\"{table}\" t");
                all.push_str(&client.query_one(&sql, &[]).unwrap().get::<_, String>(0));
            }
            all
        }
    }
}

const NUMBER: &str = "4242424242424242";
const CVV: &str = "737";
const SMTP_PASSWORD: &str = "smtp-s3cret-Pw";

/// The card (with its CVV) and an SMTP login stored through the CLI, in a private keyring, then a
/// purchase charged with the card.
const STORE_SECRETS: &str = r#"
set -eu
printf '%s\n12/30\nAlice Smith\n%s\n' "$NUMBER" "$CVV" | "$BIN" --db "$DB" payment-card set
"$BIN" --db "$DB" purchase business
printf '%s\n' "$SMTP_PASSWORD" | "$BIN" --db "$DB" email set --host 127.0.0.1 --port 2525 --security none \
    --from f@acme.example --user mailer
"#;

on_both! {
    /// DESIGN §2 on either backend: the card number, its CVV and the SMTP password go to the OS
    /// keyring only; the ledger (and the sandbox processor's records) keep the brand, last four
    /// digits and expiry, and the user name.
    fn no_card_number_cvv_or_smtp_password_is_stored_in_the_ledger(backend) {
        let fresh = backend.fresh();
        let db = fresh.arg.as_os_str();
        common::cli_account_with_bob(BIN, db);
        let keyring = tempfile::tempdir().unwrap();
        let env: [(&str, &OsStr); 5] = [
            ("BIN", BIN.as_ref()),
            ("DB", db),
            ("NUMBER", NUMBER.as_ref()),
            ("CVV", CVV.as_ref()),
            ("SMTP_PASSWORD", SMTP_PASSWORD.as_ref()),
        ];
        let Some(o) = common::keyring::in_private_keyring(module_path!(), keyring.path(), STORE_SECRETS, &env) else {
            return;
        };
        let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{out}");
        assert!(out.contains("bought: Business for 100.00 USD with Visa •••• 4242"), "{out}");
        assert!(!out.contains(NUMBER) && !out.contains(SMTP_PASSWORD), "{out}");
        let card = json(db, &["payment-card", "show", "--json"]);
        assert_eq!((card["brand"].as_str(), card["last4"].as_str()), (Some("Visa"), Some("4242")));
        assert_eq!(json(db, &["email", "show", "--json"])["settings"]["username"], "mailer");

        let stored = everything_stored(&fresh);
        assert!(stored.contains("4242") && stored.contains("mailer"), "what is kept is there to be found");
        for secret in [NUMBER, "4242 4242", "424242424242", SMTP_PASSWORD] {
            assert!(!stored.contains(secret), "{secret} is stored in the ledger");
        }
        // Three digits occur anywhere in a ledger, so the CVV is looked for where a card is kept.
        let mut s = faxcredit::Db::open(fresh.location()).unwrap();
        let kept: Vec<String> = s
            .read(|c| {
                let mut kept = c.query("SELECT brand || last4 || exp_month || exp_year FROM payment_card", &[], |r| r.get(0))?;
                kept.extend(c.query("SELECT card_brand || card_last4 || coalesce(reason, '') FROM orders", &[], |r| r.get(0))?);
                Ok(kept)
            })
            .unwrap();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept.iter().all(|k| !k.contains(CVV)), "{kept:?}");
    }
}
