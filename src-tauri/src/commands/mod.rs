//! Tauri commands: each checks the session, makes one core call, and maps its typed error to
//! `{code, message}`.

pub mod activity;
pub mod alerts;
pub mod audit;
pub mod email;
pub mod export;
pub mod ledger;
pub mod menu;
pub mod overview;
pub mod payments;
pub mod rates;
pub mod receipts;
pub mod repeat;
pub mod report;
pub mod reveal;
pub mod session;

#[cfg(test)]
mod ledger_tests;
#[cfg(test)]
mod tests;

/// Who may call a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Before or without a login (start-up, first run, login, About, choosing a shared ledger
    /// while none is open; once an account is open those refuse all but a manager).
    Public,
    /// A logged-in account manager: everything that reads or changes the ledger. A test calls
    /// each of them logged out and as a `user`, and expects `forbidden`.
    Manager,
}

/// Declares the commands once, each with its access: the handler list Tauri registers and the
/// list the role tests walk come from the same lines, so neither can miss a command.
macro_rules! app_commands {
    ($($access:ident: [$($module:ident::$name:ident),* $(,)?]),* $(,)?) => {
        /// Registers every command on the builder.
        pub fn register<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
            builder.invoke_handler(tauri::generate_handler![$($($module::$name),*),*])
        }

        /// Every registered command's name and who may call it.
        pub const COMMANDS: &[(&str, Access)] = &[$($((stringify!($name), Access::$access)),*),*];
    };
}

app_commands! {
    Public: [
        session::app_status,
        session::about,
        session::setup_account,
        session::login,
        session::logout,
        session::current_session,
        ledger::test_connection,
        ledger::use_shared_ledger,
        ledger::use_local_ledger,
    ],
    Manager: [
        overview::overview,
        overview::list_users,
        overview::account_settings,
        overview::set_time_zone,
        overview::refused_faxes,
        activity::activity_page,
        activity::activity_totals,
        menu::show_card_menu,
        export::export_activity,
        export::cancel_export,
        reveal::open_export,
        reveal::show_export,
        email::email_setup,
        email::save_email_settings,
        email::send_test_email,
        email::notifications,
        email::retry_notification,
        repeat::repeat_order,
        repeat::save_repeat_order,
        repeat::resume_repeat_order,
        payments::payment_card,
        payments::set_payment_card,
        payments::remove_payment_card,
        payments::shop,
        payments::purchase,
        payments::orders,
        payments::export_orders,
        rates::rate_table,
        rates::change_rate,
        rates::quote_rate,
        report::spend_report,
        report::export_report,
        report::show_report_menu,
        report::user_faxes,
        receipts::billing_details,
        receipts::save_billing_details,
        receipts::show_order_menu,
        receipts::save_receipt,
        alerts::alerts,
        alerts::save_alerts,
        alerts::recipients,
        alerts::add_recipient,
        alerts::remove_recipient,
        audit::audit_log,
        audit::export_audit,
        ledger::move_to_postgres,
    ],
}

/// The names of the commands with this access.
pub fn named(access: Access) -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().filter(move |(_, a)| *a == access).map(|(n, _)| *n)
}
