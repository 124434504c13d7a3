//! The native row menu: View Activity and Export Activity, popped at the pointer (right-click),
//! under the three-dots button, or under a focused row (Menu key, Shift+F10).

use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::menu::{Menu, MenuEvent, MenuItem};
use tauri::{AppHandle, Emitter, LogicalPosition, Runtime, State, Window};

use crate::state::AppState;

/// What the menu tells the page when an item is chosen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CardMenuChoice {
    pub action: &'static str,
    pub card_id: i64,
}

pub const EVENT: &str = crate::events::CARD_MENU;

/// Pops a native row menu of `items` (id, label, enabled) at the pointer (`x`, `y` from a
/// right-click) or, from the keyboard, where the window puts it. Every row menu goes through here.
pub fn popup<R: Runtime>(
    window: &Window<R>,
    items: &[(String, &str, bool)],
    x: Option<f64>,
    y: Option<f64>,
) -> Result<(), ErrorBody> {
    let items = items
        .iter()
        .map(|(id, label, enabled)| MenuItem::with_id(window, id, *label, *enabled, None::<&str>))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ErrorBody::internal)?;
    let refs: Vec<&dyn tauri::menu::IsMenuItem<R>> =
        items.iter().map(|i| i as &dyn tauri::menu::IsMenuItem<R>).collect();
    let menu = Menu::with_items(window, &refs).map_err(ErrorBody::internal)?;
    match (x, y) {
        (Some(x), Some(y)) => window.popup_menu_at(&menu, LogicalPosition::new(x, y)),
        _ => window.popup_menu(&menu),
    }
    .map_err(ErrorBody::internal)
}

#[tauri::command]
pub fn show_card_menu<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    card_id: i64,
    x: Option<f64>,
    y: Option<f64>,
) -> Result<(), ErrorBody> {
    state.require_manager()?;
    let items = [
        (format!("view-activity:{card_id}"), "View Activity", true),
        (format!("export-activity:{card_id}"), "Export Activity…", true),
    ];
    popup(&window, &items, x, y)
}

/// Parses a menu item id back into the choice.
pub fn choice(id: &str) -> Option<CardMenuChoice> {
    let (action, card) = id.split_once(':')?;
    let action = match action {
        "view-activity" => "view",
        "export-activity" => "export",
        _ => return None,
    };
    Some(CardMenuChoice { action, card_id: card.parse().ok()? })
}

/// A choice in an order row's menu: Save Receipt… of `order_id`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrderMenuChoice {
    pub action: &'static str,
    pub order_id: i64,
}

/// A choice in a report row's menu: View Activity of `user`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReportMenuChoice {
    pub action: &'static str,
    pub user: String,
}

/// Forwards a chosen row-menu item (a card's, an order's, a report row's) to the page.
pub fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    if let Some(c) = choice(id) {
        let _ = app.emit(EVENT, c);
    } else if let Some(order_id) = id.strip_prefix("save-receipt:").and_then(|n| n.parse().ok()) {
        let _ = app.emit(crate::events::ORDER_MENU, OrderMenuChoice { action: "receipt", order_id });
    } else if let Some(user) = id.strip_prefix("user-activity:") {
        let _ = app.emit(crate::events::REPORT_MENU, ReportMenuChoice { action: "user_activity", user: user.into() });
    }
}
