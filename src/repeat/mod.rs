//! The automatic repeat order: the package re-bought when the card in use reaches 95%, its
//! optional monthly cap, its pause after failed retries, and the log of what it did.

pub mod decide;
pub mod outcome;
pub mod settings;
pub(crate) mod trigger;

pub use outcome::AfterPurchase;
pub use settings::{log, remove, resume, set, show, RepeatLogEntry, RepeatOrder};
pub use trigger::BillingReactions;

/// The share of a card's original balance at which the repeat order buys the next card.
pub const TRIGGER_PERCENT: i64 = 95;
