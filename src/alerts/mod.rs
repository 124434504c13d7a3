//! Low-credit alerts: the levels a manager sets (amounts on the credit remaining across the open
//! cards, percents of the card in use), the pure rule deciding which a billed fax crossed
//! (`crossing`), and the message the biller queues in its own transaction when one is crossed.

pub mod crossing;
pub mod levels;
mod message;

pub use crossing::{crossed, days_left, Crossing, Draw, Level};
pub use levels::{
    clear_levels, levels, levels_in, parse_level, parse_levels, set_levels, status, AlertStatus, LevelKind, LevelView,
    DEFAULT_LEVEL, LEVELS,
};
pub(crate) use message::queue;
