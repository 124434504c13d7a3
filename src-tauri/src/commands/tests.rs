//! The IPC wiring, through Tauri's mock runtime: real commands on a real (temporary) ledger.

use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use super::{named, Access, COMMANDS};
use crate::{AppArgs, AppState};

struct TestApp {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn demo_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let args = AppArgs { demo: true, db: Some(dir.path().join("demo.db")) };
    let app = crate::build_app(mock_builder(), AppState::open(&args, faxcredit::services::Services::system().unwrap()))
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    TestApp { _dir: dir, _app: app, webview }
}

fn call(app: &TestApp, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        &app.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// Arguments good enough to reach each command's session check.
fn sample_args(cmd: &str) -> Value {
    match cmd {
        "activity_page" => json!({"input": {"card_id": 1001, "limit": 10}}),
        "activity_totals" => json!({"cardId": 1001, "filter": {}}),
        "open_export" | "show_export" => json!({"path": "/etc/passwd"}),
        "show_card_menu" | "export_activity" => json!({"cardId": 1001}),
        "save_email_settings" => json!({
            "settings": {"host": "127.0.0.1", "port": 25, "security": "none", "username": null, "from": "a@b.example"},
            "password": null
        }),
        "retry_notification" => json!({"id": 1}),
        "send_test_email" => json!({
            "settings": {"host": "127.0.0.1", "port": 25, "security": "none", "username": null, "from": "a@b.example"},
            "password": null
        }),
        "save_repeat_order" => json!({"package": "Standard", "cap": null}),
        "set_payment_card" => {
            json!({"input": {"number": "4242424242424242", "expiry": "12/28", "holder": "A", "cvv": "123"}})
        }
        "purchase" => json!({"package": "Standard", "key": "manual:t"}),
        "change_rate" => json!({"change": {"action": "remove", "prefix": "44"}}),
        "quote_rate" => json!({"number": "+442079460000", "pages": 1, "duration": 0}),
        "spend_report" | "export_report" => json!({"from": "2026-11-01", "to": "2026-11-30", "by": "user"}),
        "user_faxes" => json!({"from": "2026-11-01", "to": "2026-11-30", "user": "carmen"}),
        "show_report_menu" => json!({"user": "carmen"}),
        "save_billing_details" => json!({"input": {"tax_id": "X"}}),
        "show_order_menu" => json!({"orderId": 1, "paid": true}),
        "save_receipt" => json!({"orderId": 1}),
        "save_alerts" => json!({"levels": ["50.00", "80%"]}),
        "add_recipient" | "remove_recipient" => json!({"address": "ap@example.com", "only": null}),
        "audit_log" => json!({"limit": 10, "before": null}),
        _ => json!({}),
    }
}

#[test]
fn every_manager_command_refuses_a_logged_out_session_and_a_user() {
    let app = demo_app();
    for cmd in named(Access::Manager) {
        let e = call(&app, cmd, sample_args(cmd)).expect_err(cmd);
        assert_eq!(e["code"], "forbidden", "{cmd} logged out: {e}");
    }
    call(&app, "login", json!({"name": "carmen", "password": faxcredit::demo::DEMO_PASSWORD})).expect("carmen logs in");
    for cmd in named(Access::Manager) {
        let e = call(&app, cmd, sample_args(cmd)).expect_err(cmd);
        assert_eq!(e["code"], "forbidden", "{cmd} as a user: {e}");
        assert!(e["message"].as_str().unwrap().contains("account managers"), "{e}");
    }
}

#[test]
fn the_command_lists_name_every_registered_command() {
    // A command missing from both lists would escape the test above.
    let app = demo_app();
    for (cmd, _) in COMMANDS {
        let r = call(&app, cmd, sample_args(cmd));
        if let Err(e) = &r {
            assert_ne!(e.as_str().map(|s| s.contains("not found")), Some(true), "{cmd} is not registered");
        }
    }
    let r = call(&app, "no_such_command", json!({}));
    assert!(r.is_err());
}

#[test]
fn a_manager_logs_in_and_reads_cards_summary_and_activity() {
    let app = demo_app();
    let status = call(&app, "app_status", json!({})).unwrap();
    assert_eq!(status["initialized"], true);
    assert_eq!(status["demo_users"][0]["name"], "alice");
    let e = call(&app, "login", json!({"name": "alice", "password": "wrong"})).unwrap_err();
    assert_eq!(e["code"], "bad_credentials");
    let s = call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    assert_eq!(s["role"], "manager");
    let o = call(&app, "overview", json!({})).unwrap();
    assert_eq!(o["account"]["name"], "Northwind Legal LLP");
    assert_eq!(o["summary"]["daily"].as_array().unwrap().len(), 90);
    let active = o["cards"].as_array().unwrap().iter().find(|c| c["status"] == "active").unwrap().clone();
    let page = call(&app, "activity_page", json!({"input": {"card_id": active["id"], "limit": 50}})).unwrap();
    assert_eq!(page["lines"].as_array().unwrap().len() as i64, active["lines"].as_i64().unwrap().min(50));
    let users = call(&app, "list_users", json!({})).unwrap();
    assert_eq!(users.as_array().unwrap().len(), faxcredit::demo::DEMO_USERS.len());
    call(&app, "logout", json!({})).unwrap();
    assert_eq!(call(&app, "overview", json!({})).unwrap_err()["code"], "forbidden");
}

#[test]
fn reads_activity_in_time_order_with_its_filtered_totals_and_opens_only_exported_files() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let o = call(&app, "overview", json!({})).unwrap();
    let card = o["cards"].as_array().unwrap().iter().find(|c| c["status"] == "depleted").unwrap().clone();
    let page = call(
        &app,
        "activity_page",
        json!({"input": {"card_id": card["id"], "limit": 50, "sort": "newest", "user": "", "from": null, "to": null, "search": ""}}),
    )
    .unwrap();
    let times: Vec<&str> =
        page["lines"].as_array().unwrap().iter().map(|l| l["submit_time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let next = call(
        &app,
        "activity_page",
        json!({"input": {"card_id": card["id"], "limit": 50, "sort": "newest", "after": page["next_after"]}}),
    )
    .unwrap();
    assert!(next["lines"][0]["submit_time"].as_str().unwrap() <= *times.last().unwrap());
    let all = call(&app, "activity_totals", json!({"cardId": card["id"], "filter": {}})).unwrap();
    assert_eq!(all["lines"], card["lines"]);
    let carmen = call(&app, "activity_totals", json!({"cardId": card["id"], "filter": {"user": "carmen"}})).unwrap();
    assert!(carmen["lines"].as_i64().unwrap() < all["lines"].as_i64().unwrap());
    let e = call(&app, "activity_totals", json!({"cardId": card["id"], "filter": {"user": "nobody"}})).unwrap_err();
    assert_eq!(e["code"], "not_found");
    // Nothing the app did not export can be handed to the OS from the page.
    let e = call(&app, "open_export", json!({"path": "/etc/passwd"})).unwrap_err();
    assert_eq!(e["code"], "forbidden");
    let e =
        call(&app, "show_export", json!({"path": app._dir.path().join("demo.db").display().to_string()})).unwrap_err();
    assert_eq!(e["code"], "forbidden");
}

#[test]
fn a_test_email_uses_the_settings_on_screen_and_tells_an_unknown_host_from_a_closed_port() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let settings = |host: &str, port: u16| json!({"settings": {"host": host, "port": port, "security": "none", "username": null, "from": "fax@acme.example"}, "password": null});
    // Nothing saved: the test still runs, with what is on screen.
    let e = call(&app, "send_test_email", settings("no-such-host.invalid", 25)).unwrap_err();
    assert_eq!(e["code"], "smtp_host_unknown", "{e}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = call(&app, "send_test_email", settings("127.0.0.1", closed)).unwrap_err();
    assert_eq!(e["code"], "smtp_unreachable", "{e}");
    let e = call(
        &app,
        "send_test_email",
        settings("127.0.0.1", 25)
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o["settings"]["from"] = json!("a@b");
                Value::Object(o)
            })
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("from")), "{e}");
    assert!(
        faxcredit::notify::email_settings(&faxcredit::Db::open(&app._dir.path().join("demo.db")).unwrap())
            .unwrap()
            .is_none(),
        "a test saves nothing"
    );
}

#[test]
fn the_first_run_creates_the_account_and_its_manager() {
    let dir = tempfile::tempdir().unwrap();
    let args = AppArgs { demo: false, db: Some(dir.path().join("new.db")) };
    let app = crate::build_app(mock_builder(), AppState::open(&args, faxcredit::services::Services::system().unwrap()))
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let t = TestApp { _dir: dir, _app: app, webview };
    assert_eq!(call(&t, "app_status", json!({})).unwrap()["initialized"], false);
    let bad = json!({"input": {"name": "Acme", "kind": "prepaid", "email": "nope", "currency": "USD", "credit_limit": null, "manager": "boss", "password": "long-enough"}});
    assert_eq!(call(&t, "setup_account", bad).unwrap_err()["code"], "invalid_input");
    assert!(!t._dir.path().join("new.db").exists(), "a refused setup creates no file");
    let good = json!({"input": {"name": "Acme", "kind": "credit", "email": "ops@acme.example", "currency": "EUR", "credit_limit": "300", "manager": "boss", "password": "long-enough"}});
    let s = call(&t, "setup_account", good.clone()).unwrap();
    assert_eq!(s["kind"], "credit");
    assert_eq!(call(&t, "setup_account", good).unwrap_err()["code"], "already_initialized");
    let o = call(&t, "overview", json!({})).unwrap();
    assert_eq!(o["cards"].as_array().unwrap().len(), 1, "a credit account opens its month's card");
}

#[test]
fn every_command_is_declared_once() {
    // The handler list and the access list are one declaration (`app_commands!`); a name twice
    // would be a command registered twice or with two accesses.
    let mut names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "a command declared twice");
    assert!(named(Access::Manager).count() > 20 && named(Access::Public).count() >= 5);
}

#[cfg(unix)]
#[test]
fn reopens_the_ledger_and_says_so_once_when_its_files_are_removed_under_the_app() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let db = app._dir.path().join("demo.db");
    // What the other program does: checkpoint everything into the database, then unlink the
    // WAL and the shared memory, believing itself the last to close the ledger.
    let other = faxcredit::Db::open(&db).unwrap();
    other.sqlite().unwrap().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(other);
    for f in faxcredit::db::ledger_files(&db).into_iter().skip(1) {
        std::fs::remove_file(f).unwrap();
    }
    let e = call(&app, "overview", json!({})).unwrap_err();
    assert_eq!(e["code"], "ledger_reopened", "{e}");
    assert!(e["message"].as_str().unwrap().contains("demo.db-wal was removed"), "{e}");
    // Told once; the session goes on, on the reopened ledger and its new files.
    let o = call(&app, "overview", json!({})).unwrap();
    assert_eq!(o["account"]["name"], "Northwind Legal LLP");
    assert!(faxcredit::db::ledger_files(&db)[1].exists(), "a new WAL for the reopened ledger");
    let set = json!({
        "settings": {"host": "smtp.example.com", "port": 587, "security": "starttls", "username": null, "from": "a@b.example"},
        "password": null
    });
    call(&app, "save_email_settings", set).unwrap();
    let other = faxcredit::Db::open(&db).unwrap();
    assert_eq!(faxcredit::notify::email_settings(&other).unwrap().unwrap().host, "smtp.example.com");
}

#[test]
fn rates_reports_and_receipt_details_answer_a_manager_and_name_the_field_of_bad_input() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let table = call(&app, "rate_table", json!({})).unwrap();
    assert_eq!(table["rates"].as_array().unwrap().last().unwrap()["prefix"], "", "the default last");
    let e = call(
        &app,
        "change_rate",
        json!({"change": {"action": "set", "prefix": "44", "price": "-1", "unit": "page", "label": null}}),
    )
    .unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("price")), "{e}");
    let t = call(
        &app,
        "change_rate",
        json!({"change": {"action": "set", "prefix": "+44", "price": "0.2", "unit": "page", "label": null}}),
    )
    .unwrap();
    let uk = t["rates"].as_array().unwrap().iter().find(|r| r["prefix"] == "44").unwrap().clone();
    assert_eq!(uk["cost_per_unit"], "0.2000");
    let q = call(&app, "quote_rate", json!({"number": "+44 20 7946 0000", "pages": 3, "duration": 0})).unwrap();
    assert_eq!((q["cost"].as_str(), q["country"]["name"].as_str()), (Some("0.6000"), Some("United Kingdom")));

    let r = call(&app, "spend_report", json!({"from": "2020-01-01", "to": "2029-12-31", "by": "user"})).unwrap();
    let billed = call(&app, "overview", json!({})).unwrap();
    assert!(r["faxes"].as_i64().unwrap() > 0, "{r}");
    assert!(billed["cards"].as_array().unwrap().len() > 1);
    let top = r["rows"][0]["key"].as_str().unwrap().to_string();
    let f = call(&app, "user_faxes", json!({"from": "2020-01-01", "to": "2029-12-31", "user": top})).unwrap();
    assert_eq!(f["total"], r["rows"][0]["faxes"]);
    let e = call(&app, "spend_report", json!({"from": "2026-12-01", "to": "2026-11-01", "by": "day"})).unwrap_err();
    assert_eq!(e["field"], "to", "{e}");

    let e = call(&app, "save_billing_details", json!({"input": {"tax_id": "=1+1"}})).unwrap_err();
    assert_eq!(e["field"], "tax_id", "{e}");
    let d = call(&app, "save_billing_details", json!({"input": {"tax_id": "GB 123", "email_receipts": true}})).unwrap();
    assert_eq!((d["tax_id"].as_str(), d["email_receipts"].as_bool()), (Some("GB 123"), Some(true)));
    let e = call(&app, "save_receipt", json!({"orderId": 999})).unwrap_err();
    assert_eq!(e["code"], "not_found", "no order, no Save As: {e}");
}

/// The spend chart's days and View Activity's day filter are the account's, in its zone: a
/// manager sets the zone (an unknown one is refused on its field), and every day of the chart
/// is what that day's filter shows over the cards.
#[test]
fn the_chart_days_and_the_day_filters_agree_in_the_accounts_zone() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let settings = call(&app, "account_settings", json!({})).unwrap();
    assert!(settings["time_zones"].as_array().unwrap().iter().any(|z| z == "Pacific/Auckland"));
    let e = call(&app, "set_time_zone", json!({"timeZone": "Mars/Olympus_Mons"})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("time_zone")), "{e}");
    assert_eq!(call(&app, "account_settings", json!({})).unwrap()["account"]["time_zone_set"], false);
    let a = call(&app, "set_time_zone", json!({"timeZone": "Pacific/Auckland"})).unwrap();
    assert_eq!(a["time_zone"], "Pacific/Auckland");
    assert_eq!(call(&app, "current_session", json!({})).unwrap()["time_zone"], "Pacific/Auckland");
    let o = call(&app, "overview", json!({})).unwrap();
    assert_eq!(o["summary"]["time_zone"], "Pacific/Auckland");
    let dec = |v: &Value| faxcredit::money::parse_amount(v.as_str().unwrap(), "amount").unwrap();
    let days: Vec<Value> = o["summary"]["daily"].as_array().unwrap().iter().rev().take(12).cloned().collect();
    assert!(days.iter().any(|d| d["faxes"].as_i64().unwrap() > 0), "the demo bills in the last days");
    for d in days {
        let mut amount = dec(&json!("0"));
        for c in o["cards"].as_array().unwrap() {
            let f = json!({"from_day": d["day"], "to_day": d["day"]});
            amount += dec(&call(&app, "activity_totals", json!({"cardId": c["id"], "filter": f})).unwrap()["amount"]);
        }
        assert_eq!(amount, dec(&d["amount"]), "{}", d["day"]);
    }
    let e = call(&app, "activity_totals", json!({"cardId": 1001, "filter": {"from_day": "24/11/2026"}})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("from")), "{e}");
    call(&app, "set_time_zone", json!({"timeZone": null})).unwrap();
    assert_eq!(call(&app, "account_settings", json!({})).unwrap()["account"]["time_zone_set"], false);
}

/// Issue 16: Alerts, Recipients and the Audit log through the IPC: bad input names its field,
/// and every action (the logins too) is in the log under the session's user.
#[test]
fn alerts_and_recipients_refuse_bad_input_by_field_and_the_audit_log_names_the_manager() {
    let app = demo_app();
    call(&app, "login", json!({"name": "alice", "password": "wrong"})).unwrap_err();
    call(&app, "login", json!({"name": "alice", "password": faxcredit::demo::DEMO_PASSWORD})).unwrap();
    let e = call(&app, "save_alerts", json!({"levels": ["50.00", "120%"]})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("level 2")), "{e}");
    let s = call(&app, "save_alerts", json!({"levels": ["80%", "50.00"]})).unwrap();
    assert_eq!(s["levels"][0]["value"], "50.0000");
    assert_eq!(s["levels"][1]["value"], "80");
    let e = call(&app, "add_recipient", json!({"address": "finance@", "only": null})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("email")), "{e}");
    let list = call(&app, "add_recipient", json!({"address": "finance@northwind.example", "only": "alerts"})).unwrap();
    assert_eq!(list[1]["only"], "alerts");
    let list = call(&app, "remove_recipient", json!({"address": "finance@northwind.example"})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let log = call(&app, "audit_log", json!({"limit": 10, "before": null})).unwrap();
    let seen: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .take(5)
        .map(|e| {
            (
                e["actor"].as_str().unwrap().into(),
                e["via"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    let a = |action: &str| ("alice".to_string(), "app".to_string(), action.to_string());
    assert_eq!(seen, [a("recipient_removed"), a("recipient_added"), a("alerts_set"), a("login"), a("login_failed")]);
}
