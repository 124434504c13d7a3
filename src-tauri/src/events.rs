//! The events the app sends the page, by name. The page listens to the same names in
//! `ui/src/lib/api.ts` (`EVENTS`); a test reads that file and fails when the two lists differ.

/// The ledger changed (this window's own writes, another program's, delivered mail): reload.
pub const LEDGER_CHANGED: &str = "ledger-changed";
/// A choice in a card row's native menu: `{card_id, action}`.
pub const CARD_MENU: &str = "card-menu";
/// An export's progress: `(card_id, {done, total})`.
pub const EXPORT_PROGRESS: &str = "export-progress";

/// Moving the ledger up to PostgreSQL: `{done, total}` rows copied.
pub const MOVE_PROGRESS: &str = "move-progress";

/// A choice in an order row's native menu: `{action: "receipt", order_id}`.
pub const ORDER_MENU: &str = "order-menu";
/// A choice in a spend report row's native menu: `{action: "user_activity", user}`.
pub const REPORT_MENU: &str = "report-menu";

/// Every event name, for the test that ties them to the page.
#[cfg(test)]
pub const ALL: &[&str] = &[LEDGER_CHANGED, CARD_MENU, EXPORT_PROGRESS, MOVE_PROGRESS, ORDER_MENU, REPORT_MENU];

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_listens_to_exactly_the_events_the_app_sends() {
        let api = include_str!("../../ui/src/lib/api.ts");
        let start = api.find("export const EVENTS = {").expect("api.ts declares EVENTS");
        let block = &api[start..start + api[start..].find("};").expect("the end of EVENTS")];
        let mut page: Vec<&str> = block.split('\'').skip(1).step_by(2).collect();
        page.sort_unstable();
        let mut app = super::ALL.to_vec();
        app.sort_unstable();
        assert_eq!(page, app, "ui/src/lib/api.ts EVENTS and src-tauri/src/events.rs differ");
        // And every listen() of the page names its event through EVENTS.
        for (at, _) in api.match_indices("listen").filter(|(i, _)| matches!(api.as_bytes()[i + 6], b'(' | b'<')) {
            let call = &api[at..];
            let arg = &call[call.find('(').unwrap() + 1..];
            assert!(arg.starts_with("EVENTS."), "a listen() without EVENTS: {}", &call[..call.len().min(60)]);
        }
    }
}
