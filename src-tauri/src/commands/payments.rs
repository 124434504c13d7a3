//! Settings → Payment method, the Purchase wizard and the order history (prepaid accounts).

use faxcredit::account::AccountKind;
use faxcredit::orders::{self, Order};
use faxcredit::payments::payment_method::{self, CardInput, CardOnFile};
use faxcredit::{Db, Error, ErrorBody};
use serde::Serialize;
use tauri::{Runtime, State, WebviewWindow};

use crate::save_as::SaveResult;
use crate::state::AppState;

fn require_prepaid_manager(state: &AppState, what: &str) -> Result<crate::state::Session, ErrorBody> {
    let s = state.require_manager()?;
    if s.kind != AccountKind::Prepaid {
        return Err(ErrorBody::from(&Error::NotPrepaid(what.into())));
    }
    Ok(s)
}

#[tauri::command]
pub fn payment_card(state: State<'_, AppState>) -> Result<Option<CardOnFile>, ErrorBody> {
    require_prepaid_manager(&state, "a payment card")?;
    state.with_db(|db| payment_method::on_file(db, state.now()))
}

/// Checks the card and stores it in the OS keyring; the CVV is checked and dropped here.
#[tauri::command]
pub fn set_payment_card(state: State<'_, AppState>, input: CardInput) -> Result<CardOnFile, ErrorBody> {
    let by = require_prepaid_manager(&state, "a payment card")?.actor();
    let now = state.now();
    payment_method::validate(&input, now).map_err(|e| ErrorBody::from(&e))?;
    state.with_db(|db| {
        let store = state.services.secrets(db)?;
        payment_method::set(db, &store, &input, &by, now)
    })
}

#[tauri::command]
pub fn remove_payment_card(state: State<'_, AppState>) -> Result<(), ErrorBody> {
    let by = require_prepaid_manager(&state, "a payment card")?.actor();
    state.with_db(|db| {
        let store = state.services.secrets(db)?;
        payment_method::remove(db, &store, &by, state.now()).map(|_| ())
    })
}

#[derive(Debug, Serialize)]
pub struct PackageOffer {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub bonus: String,
    pub credit: String,
    /// At the account's main rate; `None` for a rate charged by time.
    pub price_per_page: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Shop {
    pub packages: Vec<PackageOffer>,
    pub card: Option<CardOnFile>,
    pub main_rate: String,
    pub main_rate_label: String,
}

#[tauri::command]
pub fn shop(state: State<'_, AppState>) -> Result<Shop, ErrorBody> {
    require_prepaid_manager(&state, "buying credit")?;
    state.with_db(|db| {
        let rate = faxcredit::rates::main_rate(db)?;
        let packages = faxcredit::catalog::packages(db)?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| PackageOffer {
                id: p.id,
                price_per_page: faxcredit::rates::price_per_page(&p, &rate).map(|d| format!("{d:.4}")),
                name: p.name,
                price: format!("{:.4}", p.face_value),
                bonus: format!("{:.4}", p.bonus),
                credit: format!("{:.4}", p.original_balance),
            })
            .collect();
        Ok(Shop {
            packages,
            card: payment_method::on_file(db, state.now())?,
            main_rate: format!("{:.4}", rate.cost_per_unit),
            main_rate_label: rate.label,
        })
    })
}

/// Buys `package`. `key` is made by the wizard when it shows the confirmation, so a double
/// click or a retry after a timeout never buys twice. Runs on its own connection: the window
/// stays responsive while the processor answers.
#[tauri::command]
pub async fn purchase(
    state: State<'_, AppState>,
    package: String,
    key: String,
    po: Option<String>,
) -> Result<Order, ErrorBody> {
    let manager = require_prepaid_manager(&state, "buying credit")?;
    if !key.starts_with("manual:") {
        return Err(ErrorBody::from(&Error::invalid("key", "not a purchase key")));
    }
    // A PO reference that cannot be printed is refused before the order exists.
    let po = po.as_deref().map(orders::receipt::validate_po).transpose().map_err(|e| ErrorBody::from(&e))?.flatten();
    // Who confirms it, before the order exists: the order history names them.
    state.with_db(|db| orders::placed_by::record(db, &key, &manager.user))?;
    let at = state.location();
    let services = state.services.clone();
    let by = manager.actor();
    let result = tauri::async_runtime::spawn_blocking(move || -> Result<Order, Error> {
        let mut db = Db::open(&at)?;
        services
            .with_purchaser(&mut db, |db, p| orders::purchase_with_po(db, p, &package, &key, false, po.as_deref(), &by))
    })
    .await
    .map_err(ErrorBody::internal)?;
    state.wake_worker();
    result.map_err(|e| ErrorBody::from(&e))
}

/// An order of the history, with who placed it: a manager, `automatic`, or "" (command line).
#[derive(Debug, Serialize)]
pub struct OrderRow {
    #[serde(flatten)]
    pub order: Order,
    pub placed_by: String,
}

#[tauri::command]
pub fn orders(state: State<'_, AppState>) -> Result<Vec<OrderRow>, ErrorBody> {
    require_prepaid_manager(&state, "the order history")?;
    state.with_db(|db| {
        let placers = orders::placed_by::placers(db)?;
        Ok(orders::orders(db)?
            .into_iter()
            .map(|o| OrderRow {
                placed_by: orders::placed_by::placed_by(&placers, &o.key, o.kind == orders::OrderKind::Automatic),
                order: o,
            })
            .collect())
    })
}

/// The order history through the native Save As dialog.
#[tauri::command]
pub async fn export_orders<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
) -> Result<SaveResult, ErrorBody> {
    require_prepaid_manager(&state, "the order history")?;
    let today = state.today()?;
    let Some(target) = state.save_as(&window, "Export Order History", format!("orders-{today}.csv")).await? else {
        return Ok(SaveResult::Cancelled);
    };
    let rows = state.with_db(|db| faxcredit::export::export_orders(db, &target))?;
    state.note_export(&target);
    Ok(SaveResult::Saved { path: target.display().to_string(), rows })
}
