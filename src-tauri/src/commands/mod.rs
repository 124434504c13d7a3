//! Tauri commands: each checks the session, makes one core call, and maps its typed error to
//! `{code, message}`.

pub mod activity;
pub mod email;
pub mod export;
pub mod menu;
pub mod overview;
pub mod payments;
pub mod repeat;
pub mod reveal;
pub mod session;

#[cfg(test)]
mod tests;

/// Every command the app registers. `MANAGER_ONLY` must list every command that reads or
/// changes the ledger: a test calls each of them logged out and as a `user`.
pub const PUBLIC: &[&str] = &["app_status", "about", "setup_account", "login", "logout", "current_session"];
pub const MANAGER_ONLY: &[&str] = &[
    "overview",
    "list_users",
    "refused_faxes",
    "activity_page",
    "activity_totals",
    "show_card_menu",
    "export_activity",
    "cancel_export",
    "open_export",
    "show_export",
    "email_setup",
    "save_email_settings",
    "send_test_email",
    "notifications",
    "retry_notification",
    "repeat_order",
    "save_repeat_order",
    "resume_repeat_order",
    "payment_card",
    "set_payment_card",
    "remove_payment_card",
    "shop",
    "purchase",
    "orders",
    "export_orders",
];
