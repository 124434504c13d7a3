//! Tauri commands: thin wrappers over one core call each.

use faxcredit::account::Account;
use faxcredit::ledger::Card;
use faxcredit::time::{Clock, SystemClock};
use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Overview {
    pub account: Account,
    pub cards: Vec<Card>,
    pub db_path: String,
    pub demo: bool,
}

#[tauri::command]
pub fn overview(state: State<'_, AppState>) -> Result<Overview, ErrorBody> {
    let (account, cards) = state.with_db(|db| {
        faxcredit::ledger::cards::roll_credit_month(db, SystemClock.now())?;
        Ok((faxcredit::account::account(db)?, faxcredit::ledger::cards(db)?))
    })?;
    Ok(Overview { account, cards, db_path: state.db_path.display().to_string(), demo: state.demo })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::AppArgs;

    fn app(args: &AppArgs) -> tauri::App<tauri::test::MockRuntime> {
        crate::build_app(tauri::test::mock_builder(), AppState::open(args))
            .build(tauri::test::mock_context(tauri::test::noop_assets()))
            .expect("app builds")
    }

    fn invoke(app: &tauri::App<tauri::test::MockRuntime>, cmd: &str) -> Result<serde_json::Value, serde_json::Value> {
        let webview = tauri::WebviewWindowBuilder::new(app, "main", Default::default()).build().unwrap();
        tauri::test::get_ipc_response(
            &webview,
            tauri::webview::InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::default(),
                headers: Default::default(),
                invoke_key: tauri::test::INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<serde_json::Value>().unwrap())
    }

    #[test]
    fn overview_lists_the_demo_cards_over_ipc() {
        let dir = tempfile::tempdir().unwrap();
        let args = AppArgs { demo: true, db: Some(dir.path().join("demo.db")) };
        let app = app(&args);
        let v = invoke(&app, "overview").expect("overview answers");
        assert_eq!(v["account"]["name"], "Northwind Legal LLP");
        assert!(v["cards"].as_array().unwrap().len() >= 5);
        assert_eq!(v["cards"][0]["status"], "active");
    }

    #[test]
    fn overview_without_a_database_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let args = AppArgs { demo: false, db: Some(dir.path().join("missing.db")) };
        let app = app(&args);
        let e = invoke(&app, "overview").expect_err("no database");
        assert_eq!(e["code"], "no_database");
    }
}
