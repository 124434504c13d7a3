//! Orders: every purchase of a prepaid card, manual or automatic, through one protocol
//! (DESIGN.md §2) so that no charge is lost, doubled or made without a card to show for it.

pub mod history;
pub mod placed_by;
pub mod protocol;
pub mod receipt;
pub mod receipt_pdf;

pub use history::{order, orders, Attempt, Order, OrderKind, Status};
pub use protocol::{
    has_open_orders, purchase, purchase_with_po, reconcile, Crash, FollowUp, Purchaser, ReconcileReport,
};
pub use receipt::{receipt, Receipt};
