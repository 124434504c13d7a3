//! The attempts log: every fax refused with 205000 (it pins nothing: the gateway may send the
//! same fax again once credit has been added).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::Result;
use crate::money;

/// Faxes refused with 205000, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub fax_id: String,
    pub user: String,
    pub destination: String,
    pub cost: Decimal,
    pub available: Decimal,
    pub code: String,
    pub at: String,
}

pub fn attempts(db: &Db, limit: i64) -> Result<Vec<Attempt>> {
    db.conn().query(
        "SELECT fax_id, user_name, destination, cost, available, code, at FROM attempts ORDER BY id DESC LIMIT ?1",
        &[&limit],
        |r| {
            Ok(Attempt {
                fax_id: r.get(0)?,
                user: r.get(1)?,
                destination: r.get(2)?,
                cost: money::from_units(r.get(3)?),
                available: money::from_units(r.get(4)?),
                code: r.get(5)?,
                at: r.get(6)?,
            })
        },
    )
}
