//! Where the ledger lives, through Tauri's mock runtime: the first run pointed at a shared
//! ledger (Test connection, connect, the account made there, the next start opening it with
//! the keyring's password), a shared ledger that cannot be reached (told why, and a file on
//! this computer chosen instead), and a file moved up to PostgreSQL. The PostgreSQL tests need
//! the server `FAXCREDIT_TEST_PG` names (skipped with a line without it, failed with
//! `FAXCREDIT_REQUIRE_PG=1`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use faxcredit::db::{Location, PgSettings};
use faxcredit::secrets::MemoryStore;
use faxcredit::services::Services;
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets};

use super::tests::{call, TestApp};
use crate::ledger_place::AppFiles;
use crate::{AppArgs, AppState};

/// An app with its own settings file and local ledger in `dir`, and `logins` as its keyring.
fn app_in(dir: tempfile::TempDir, logins: &MemoryStore) -> TestApp {
    let files = AppFiles { settings: dir.path().join("app-settings.json"), local_ledger: dir.path().join("local.db") };
    let services = Services::new(
        Box::new(faxcredit::time::SystemClock),
        Arc::new(logins.clone()),
        Arc::new(faxcredit::payments::Sandbox::beside(&dir.path().join("pay"), faxcredit::payments::Fault::None)),
    );
    let state = AppState::open_with(&AppArgs::default(), services, files);
    let app = crate::build_app(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    TestApp { _dir: dir, _app: app, webview }
}

/// A new schema on the tests' server, as the form gives it (dropped by the guard).
fn shared_schema(test: &str) -> Option<(Value, SchemaGuard)> {
    let server = match std::env::var("FAXCREDIT_TEST_PG").ok().filter(|u| !u.is_empty()) {
        Some(s) => s,
        None if std::env::var("FAXCREDIT_REQUIRE_PG").is_ok_and(|v| v == "1") => {
            panic!("{test}: FAXCREDIT_REQUIRE_PG=1 but FAXCREDIT_TEST_PG names no server")
        }
        None => {
            eprintln!("skipped {test} on PostgreSQL: FAXCREDIT_TEST_PG is not set");
            return None;
        }
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let schema = format!("app{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let Location::Postgres(url) = Location::parse(server.as_ref()).unwrap() else { panic!("{server} is not a URL") };
    let mut form = PgSettings::of(&url);
    form.url = form.url.replace("schema=public", &format!("schema={schema}"));
    let guard = SchemaGuard(form.location(None).unwrap(), schema);
    Some((serde_json::to_value(form).unwrap(), guard))
}

struct SchemaGuard(Location, String);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Ok(db) = faxcredit::Db::open(&self.0) {
            let _ = db.conn().execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.1), &[]);
        }
    }
}

fn new_account() -> Value {
    json!({"input": {"name": "Acme", "kind": "prepaid", "email": "ops@acme.example", "currency": "USD", "credit_limit": null, "manager": "boss", "password": "long-enough"}})
}

#[test]
fn the_first_run_connects_to_a_shared_ledger_and_the_next_start_opens_it_with_the_keyrings_password() {
    let Some((form, _guard)) = shared_schema("the_first_run_connects_to_a_shared_ledger") else { return };
    let logins = MemoryStore::default();
    let dir = tempfile::tempdir().unwrap();
    let settings_file = dir.path().join("app-settings.json");
    let t = app_in(dir, &logins);
    let status = call(&t, "app_status", json!({})).unwrap();
    assert_eq!((status["initialized"].as_bool(), status["ledger"]["can_choose"].as_bool()), (Some(false), Some(true)));
    assert_eq!(status["ledger"]["shared"], false);

    let answer = call(&t, "test_connection", json!({"settings": form, "password": "pw-kept"})).unwrap();
    assert!(answer["server"].as_str().unwrap().starts_with("PostgreSQL "), "{answer}");
    assert_eq!(answer["account"], Value::Null, "an empty schema");
    assert!(!settings_file.exists(), "a test saves nothing");

    let status = call(&t, "use_shared_ledger", json!({"settings": form, "password": "pw-kept"})).unwrap();
    assert_eq!((status["initialized"].as_bool(), status["ledger"]["shared"].as_bool()), (Some(false), Some(true)));
    let kept = std::fs::read_to_string(&settings_file).unwrap();
    assert!(kept.contains(form["url"].as_str().unwrap()) && !kept.contains("pw-kept"), "{kept}");
    let entry = faxcredit::secrets::ledger_password_entry(status["ledger"]["place"].as_str().unwrap());
    assert_eq!(logins.get_for_test(&entry).as_deref(), Some("pw-kept"), "the password is in the keyring");
    assert_eq!(status["ledger"]["password_kept"], true);

    // The account is made on the server, and the ledger in use is then closed to the first run.
    call(&t, "setup_account", new_account()).unwrap();
    assert_eq!(call(&t, "overview", json!({})).unwrap()["account"]["name"], "Acme");
    let e = call(&t, "use_shared_ledger", json!({"settings": form, "password": null})).unwrap_err();
    assert_eq!(e["code"], "forbidden", "{e}");

    // The next start opens it from the settings, the password from the keyring.
    let again = app_in(tempfile::tempdir().unwrap(), &logins);
    drop(again);
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::copy(&settings_file, dir2.path().join("app-settings.json")).unwrap();
    let next = app_in(dir2, &logins);
    let status = call(&next, "app_status", json!({})).unwrap();
    assert_eq!(
        (status["initialized"].as_bool(), status["ledger"]["shared"].as_bool()),
        (Some(true), Some(true)),
        "{status}"
    );
    call(&next, "login", json!({"name": "boss", "password": "long-enough"})).unwrap();
    assert_eq!(call(&next, "about", json!({})).unwrap()["database"], status["ledger"]["place"]);
}

#[test]
fn a_shared_ledger_that_cannot_be_reached_says_why_and_a_file_may_be_chosen_instead() {
    let logins = MemoryStore::default();
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let form =
        json!({"url": format!("postgres://127.0.0.1:{closed}/fax?schema=acme"), "user": "desk", "tls": "disable"});
    let settings = json!({"shared_ledger": form});
    std::fs::write(dir.path().join("app-settings.json"), settings.to_string()).unwrap();
    let local = dir.path().join("local.db");
    let settings_file = dir.path().join("app-settings.json");
    let t = app_in(dir, &logins);
    let status = call(&t, "app_status", json!({})).unwrap();
    assert_eq!(status["initialized"], false);
    assert_eq!(status["ledger"]["open_error"]["code"], "database_unavailable", "{status}");
    assert!(status["ledger"]["open_error"]["message"].as_str().unwrap().contains("refused the connection"), "{status}");
    assert_eq!(status["ledger"]["settings"]["user"], "desk", "the form starts from what was chosen");
    assert_eq!(status["ledger"]["password_kept"], false, "no password in the keyring for it");
    let e = call(&t, "test_connection", json!({"settings": form, "password": null})).unwrap_err();
    assert_eq!(e["code"], "database_unavailable");
    let e = call(&t, "use_shared_ledger", json!({"settings": form, "password": "x"})).unwrap_err();
    assert_eq!(e["code"], "database_unavailable", "nothing saved when the server does not let us in");
    assert!(logins
        .get_for_test(&format!("postgres-password.postgres://desk@127.0.0.1:{closed}/fax?schema=acme"))
        .is_none());

    let status = call(&t, "use_local_ledger", json!({})).unwrap();
    assert_eq!((status["ledger"]["shared"].as_bool(), status["initialized"].as_bool()), (Some(false), Some(false)));
    assert_eq!(status["ledger"]["place"], local.display().to_string());
    assert!(!std::fs::read_to_string(&settings_file).unwrap().contains("acme"), "the settings forget it");
    call(&t, "setup_account", new_account()).unwrap();
    assert!(local.exists());
}

#[test]
fn a_manager_moves_the_ledger_up_to_postgresql_and_the_app_then_uses_it() {
    let Some((form, _guard)) = shared_schema("a_manager_moves_the_ledger_up_to_postgresql") else { return };
    let logins = MemoryStore::default();
    let dir = tempfile::tempdir().unwrap();
    let (local, settings_file) = (dir.path().join("local.db"), dir.path().join("app-settings.json"));
    let t = app_in(dir, &logins);
    call(&t, "setup_account", new_account()).unwrap();
    let before = call(&t, "overview", json!({})).unwrap();

    let moved = call(&t, "move_to_postgres", json!({"settings": form, "password": "pw-kept"})).unwrap();
    assert_eq!(moved["ok"], true, "{moved}");
    assert_eq!(moved["summary"]["sqlite"]["totals"], moved["summary"]["postgres"]["totals"]);
    assert!(moved["summary"]["rows"].as_u64().unwrap() > 0);
    let place = moved["place"].as_str().unwrap();
    assert!(place.starts_with("postgres://") || place.starts_with("postgresql://"), "{moved}");
    assert!(std::fs::read_to_string(&settings_file).unwrap().contains(form["url"].as_str().unwrap()));
    assert!(local.exists(), "the file is left as it was");

    // The session goes on, on the shared ledger.
    let status = call(&t, "app_status", json!({})).unwrap();
    assert_eq!(status["ledger"]["shared"], true);
    assert_eq!(call(&t, "overview", json!({})).unwrap()["account"], before["account"]);
    let e = call(&t, "move_to_postgres", json!({"settings": form, "password": null})).unwrap_err();
    assert_eq!(e["code"], "invalid_input", "already there: {e}");
}

#[test]
fn once_an_account_is_open_only_a_manager_may_look_for_another_ledger() {
    let logins = MemoryStore::default();
    let t = app_in(tempfile::tempdir().unwrap(), &logins);
    call(&t, "setup_account", new_account()).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let form = json!({"settings": {"url": format!("postgres://127.0.0.1:{closed}/fax?schema=acme"), "user": "desk", "tls": "disable"}, "password": "x"});
    call(&t, "logout", json!({})).unwrap();
    for cmd in ["test_connection", "use_shared_ledger", "use_local_ledger"] {
        let e = call(&t, cmd, form.clone()).unwrap_err();
        assert_eq!(e["code"], "forbidden", "{cmd} logged out: {e}");
    }
    call(&t, "login", json!({"name": "boss", "password": "long-enough"})).unwrap();
    // A manager may test another server (Settings → Shared ledger…), never swap the open ledger.
    assert_eq!(call(&t, "test_connection", form.clone()).unwrap_err()["code"], "database_unavailable");
    assert_eq!(call(&t, "use_shared_ledger", form).unwrap_err()["code"], "forbidden");
}
