//! A receipt's PDF written to a file (`faxcredit orders receipt ID --out`, the app's Save
//! Receipt…): rendered by `orders::receipt_pdf`, written atomically like every export.

use std::io::Write;
use std::path::Path;

use super::write_atomically;
use crate::db::Db;
use crate::error::Result;
use crate::orders::receipt::Receipt;

/// Writes the receipt of order `order_id` to `target`; an order that is not paid is refused
/// before anything is written.
pub fn save_receipt(db: &Db, order_id: i64, target: &Path) -> Result<Receipt> {
    db.refuse_own_file(target, "out")?;
    let r = crate::orders::receipt(db.conn(), order_id)?;
    let pdf = crate::orders::receipt_pdf::render(&r);
    write_atomically(target, |file: &mut dyn Write| Ok(file.write_all(&pdf)?))?;
    Ok(r)
}
