//! Who placed each order: a manager of the app (recorded by the order's key when they confirm
//! it), the repeat order (`automatic`), or the command line (nothing recorded).

use std::collections::HashMap;

use crate::db::Db;
use crate::error::Result;

/// What the order history shows in its "placed by" column for an order placed by the repeat
/// order.
pub const AUTOMATIC: &str = "automatic";

/// Records that `user` placed the order of `key` (the first record of a key stays: a retried
/// confirmation keeps its placer).
pub fn record(db: &mut Db, key: &str, user: &str) -> Result<()> {
    db.write(|tx| {
        tx.execute(
            "INSERT INTO order_placers (order_key, placed_by) VALUES (?1, ?2) ON CONFLICT (order_key) DO NOTHING",
            &[&key, &user],
        )?;
        Ok(())
    })
}

/// The placer of every order that has one, by order key.
pub fn placers(db: &Db) -> Result<HashMap<String, String>> {
    let rows =
        db.conn().query("SELECT order_key, placed_by FROM order_placers", &[], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.into_iter().collect())
}

/// The "placed by" of an order: its manager, `automatic`, or "" when the command line placed it.
pub fn placed_by(placers: &HashMap<String, String>, key: &str, automatic: bool) -> String {
    if automatic {
        AUTOMATIC.into()
    } else {
        placers.get(key).cloned().unwrap_or_default()
    }
}
