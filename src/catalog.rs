//! The package catalog: the prepaid card packages an account can buy (editable; defaults below).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::money::{self, ONE};
use crate::sql::{Conn, Row};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub id: i64,
    pub name: String,
    /// The price, and the card's face value.
    pub face_value: Decimal,
    pub bonus: Decimal,
    /// Face value plus bonus: what the card holds.
    pub original_balance: Decimal,
    pub active: bool,
}

/// (name, face value, bonus percent). Price = face value; balance = face + bonus.
const DEFAULTS: &[(&str, i64, i64)] =
    &[("Starter", 20, 0), ("Standard", 50, 5), ("Business", 100, 10), ("Pro", 250, 15), ("Enterprise", 500, 20)];

pub(crate) fn insert_defaults(tx: Conn<'_>) -> Result<()> {
    for (i, (name, face, pct)) in (0i64..).zip(DEFAULTS) {
        let face_units = face * ONE;
        tx.execute(
            "INSERT INTO packages (name, face_value, bonus, sort) VALUES (?1, ?2, ?3, ?4)",
            &[name, &face_units, &(face_units * pct / 100), &i],
        )?;
    }
    Ok(())
}

fn row_to_package(r: &Row<'_>) -> Result<Package> {
    let face: i64 = r.get(2)?;
    let bonus: i64 = r.get(3)?;
    Ok(Package {
        id: r.get(0)?,
        name: r.get(1)?,
        face_value: money::from_units(face),
        bonus: money::from_units(bonus),
        original_balance: money::from_units(face + bonus),
        active: r.get(4)?,
    })
}

pub fn packages(db: &Db) -> Result<Vec<Package>> {
    db.conn().query(
        "SELECT id, name, face_value, bonus, active FROM packages ORDER BY sort, face_value, id",
        &[],
        row_to_package,
    )
}

/// Finds a package by name (any case) or id.
pub fn find_package(conn: Conn<'_>, key: &str) -> Result<Package> {
    let key = key.trim();
    let by_id = key.parse::<i64>().ok();
    conn.query_opt(
        "SELECT id, name, face_value, bonus, active FROM packages
         WHERE name = ?1 COLLATE NOCASE OR id = ?2 LIMIT 1",
        &[&key, &by_id],
        row_to_package,
    )?
    .ok_or_else(|| Error::NotFound(format!("no package named {:?}", crate::text::truncate(key, 60))))
}

/// The name of the catalog package with exactly this face value and bonus, if any: how a card
/// applied by the provider is labelled.
pub(crate) fn package_matching(tx: Conn<'_>, face: i64, bonus: i64) -> Result<Option<String>> {
    tx.query_opt(
        "SELECT name FROM packages WHERE face_value = ?1 AND bonus = ?2 ORDER BY id LIMIT 1",
        &[&face, &bonus],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountKind, NewAccount};
    use crate::setup::create_account;
    use crate::time::parse_ts;

    #[test]
    fn ships_the_default_packages_with_their_bonuses() {
        let mut db = Db::in_memory().unwrap();
        let acct = NewAccount {
            name: "A".into(),
            kind: AccountKind::Prepaid,
            email: "a@b.example".into(),
            currency: "USD".into(),
            credit_limit: None,
        };
        create_account(&mut db, &acct, parse_ts("2026-01-01T00:00:00Z", "t").unwrap()).unwrap();
        let p = packages(&db).unwrap();
        let summary: Vec<(String, String, String)> =
            p.iter().map(|p| (p.name.clone(), p.face_value.to_string(), p.original_balance.to_string())).collect();
        assert_eq!(
            summary,
            vec![
                ("Starter".into(), "20.0000".into(), "20.0000".into()),
                ("Standard".into(), "50.0000".into(), "52.5000".into()),
                ("Business".into(), "100.0000".into(), "110.0000".into()),
                ("Pro".into(), "250.0000".into(), "287.5000".into()),
                ("Enterprise".into(), "500.0000".into(), "600.0000".into()),
            ]
        );
        assert_eq!(find_package(db.conn(), "pro").unwrap().name, "Pro");
        assert_eq!(find_package(db.conn(), &p[0].id.to_string()).unwrap().name, "Starter");
        assert_eq!(find_package(db.conn(), "Gold").unwrap_err().code(), "not_found");
    }
}
