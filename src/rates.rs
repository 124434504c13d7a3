//! The rate table: how a fax without a `costPerUnit` is priced. The longest destination prefix
//! that matches wins; the empty prefix is the catch-all and always exists.

use std::collections::HashMap;

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::Conn;
use crate::time::Timestamp;

/// The rate table's version, raised by every change to the rates (a trigger).
pub const VERSION: &str = "SELECT version FROM rates_version WHERE id = 1";

/// The rate table as this connection last read it, with the `rates_version` it was read at.
#[derive(Default)]
pub struct RateCache(Option<(i64, Arc<RateTable>)>);

impl RateCache {
    /// The current rate table: the cached one when `rates_version` has not moved since it was
    /// read, else read afresh. Call inside a transaction, so the version and the rows agree.
    pub fn current(&mut self, conn: Conn<'_>) -> Result<Arc<RateTable>> {
        let version: i64 = conn.query_row(VERSION, &[], |r| r.get(0))?;
        match &self.0 {
            Some((v, table)) if *v == version => Ok(Arc::clone(table)),
            _ => {
                let table = Arc::new(RateTable::load(conn)?);
                self.0 = Some((version, Arc::clone(&table)));
                Ok(table)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Page,
    TenthMinute,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Page => "page",
            Unit::TenthMinute => "tenth_minute",
        }
    }
    pub fn parse(s: &str) -> Result<Unit> {
        match s.trim() {
            "page" => Ok(Unit::Page),
            "tenth_minute" | "tenth-minute" => Ok(Unit::TenthMinute),
            _ => Err(Error::invalid("unit", format!("{s:?} is not page or tenth-minute"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// Digits of the international number this rate covers; "" is every other destination.
    pub prefix: String,
    pub label: String,
    pub unit: Unit,
    /// Storage units (ten-thousandths).
    #[serde(skip)]
    pub cost_per_unit_units: i64,
    pub cost_per_unit: Decimal,
}

const EU: &[&str] = &[
    "30", "31", "32", "33", "34", "36", "39", "40", "43", "45", "46", "48", "49", "351", "352", "353", "356", "357",
    "358", "359", "370", "371", "372", "385", "386", "420", "421",
];

pub(crate) fn insert_defaults(tx: Conn<'_>) -> Result<()> {
    let mut rows = vec![("1", "US and Canada", "page", 1_000), ("44", "United Kingdom", "page", 1_500)];
    rows.extend(EU.iter().map(|p| (*p, "European Union", "page", 1_500)));
    rows.push(("61", "Australia (per tenth of a minute)", "tenth_minute", 600));
    rows.push(("", "Other destinations", "page", 2_500));
    for (prefix, label, unit, cpu) in rows {
        tx.execute(
            "INSERT INTO rates (prefix, label, unit, cost_per_unit) VALUES (?1, ?2, ?3, ?4)",
            &[&prefix, &label, &unit, &cpu],
        )?;
    }
    Ok(())
}

/// The rate table held in memory for one billing transaction or import batch.
#[derive(Debug, Clone, Default)]
pub struct RateTable {
    by_prefix: HashMap<String, Rate>,
    longest: usize,
}

impl RateTable {
    pub fn load(conn: Conn<'_>) -> Result<RateTable> {
        let rows = conn.query("SELECT prefix, label, unit, cost_per_unit FROM rates", &[], |r| {
            Ok((r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?, r.get::<i64>(3)?))
        })?;
        let mut t = RateTable::default();
        for (prefix, label, unit, cpu) in rows {
            t.longest = t.longest.max(prefix.len());
            let rate = Rate {
                prefix: prefix.clone(),
                label,
                unit: Unit::parse(&unit)?,
                cost_per_unit_units: cpu,
                cost_per_unit: money::from_units(cpu),
            };
            t.by_prefix.insert(prefix, rate);
        }
        Ok(t)
    }

    /// The rate of the longest prefix of `digits` (an international number without `+`).
    pub fn find(&self, digits: &str) -> Option<&Rate> {
        let max = self.longest.min(digits.len());
        (0..=max).rev().find_map(|n| self.by_prefix.get(&digits[..n]))
    }

    pub fn all(&self) -> Vec<Rate> {
        let mut v: Vec<Rate> = self.by_prefix.values().cloned().collect();
        v.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        v
    }
}

/// A destination fax number in the one stored form, `+` and digits. Accepts `+1 (212) 555-0100`,
/// `0012125550100`, `01112125550100` and bare international digits; refuses anything else.
pub fn normalize_destination(s: &str) -> Result<String> {
    let t = s.trim();
    let bad = || {
        Error::invalid(
            "destinationFax",
            format!("{:?} is not a fax number (expected e.g. +1 212 555 0100)", crate::text::truncate(t, 40)),
        )
    };
    if t.len() > 40 {
        return Err(bad());
    }
    let (plus, rest) = match t.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, t),
    };
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')')) {
        return Err(bad());
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let digits = if plus {
        digits.as_str()
    } else if let Some(d) = digits.strip_prefix("00") {
        d
    } else if let Some(d) = digits.strip_prefix("011") {
        d
    } else {
        digits.as_str()
    };
    if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(bad());
    }
    Ok(format!("+{digits}"))
}

/// Units of a fax priced by a rate: pages sent, or started tenths of a minute (as minutes, so
/// 61 seconds are 1.1 units).
pub fn units_for(unit: Unit, pages_sent: i64, duration_s: i64) -> Decimal {
    match unit {
        Unit::Page => Decimal::from(pages_sent),
        Unit::TenthMinute => Decimal::new((duration_s + 5) / 6, 1),
    }
}

pub fn rates(db: &Db) -> Result<Vec<Rate>> {
    Ok(RateTable::load(db.conn())?.all())
}

/// What a fax costs: its units, the cost per unit and the cost, rounded by the one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Price {
    pub units: Decimal,
    pub cost_per_unit: Decimal,
    pub cost: Decimal,
}

impl Price {
    pub fn of(units: Decimal, cost_per_unit: Decimal) -> Price {
        Price { units, cost_per_unit, cost: money::round_cost(units * cost_per_unit) }
    }
}

/// Billing's pricing of a fax without its own `costPerUnit`: the rate of the longest prefix of
/// `digits` (an international number without `+`), per page sent or per started tenth of a
/// minute. The rate table's preview ([`quote`]) prices with this same function.
pub fn price_from_table<'t>(
    table: &'t RateTable,
    digits: &str,
    pages_sent: i64,
    duration_s: i64,
) -> Result<(&'t Rate, Price)> {
    let rate = table.find(digits).ok_or_else(|| Error::invalid("destinationFax", "no rate covers this destination"))?;
    Ok((rate, Price::of(units_for(rate.unit, pages_sent, duration_s), rate.cost_per_unit)))
}

/// The price of a fax to `number` as billing would charge it now: the app's "price of a fax
/// to…" and `faxcredit rates quote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// The number in its stored form (`+442079460000`).
    pub destination: String,
    pub country: crate::countries::Country,
    /// The rate that prices it: its prefix ("" for other destinations), label and unit.
    pub rate: Rate,
    pub pages: i64,
    pub duration: i64,
    #[serde(flatten)]
    pub price: Price,
}

pub fn quote(db: &Db, number: &str, pages: i64, duration_s: i64) -> Result<Quote> {
    let destination = normalize_destination(number)?;
    if !(0..=10_000).contains(&pages) {
        return Err(Error::invalid("pages", format!("{pages} is not a number of pages (0 to 10000)")));
    }
    if !(0..=86_400).contains(&duration_s) {
        return Err(Error::invalid("duration", format!("{duration_s} is not a duration in seconds (0 to 86400)")));
    }
    let table = RateTable::load(db.conn())?;
    let (rate, price) = price_from_table(&table, destination.trim_start_matches('+'), pages, duration_s)?;
    Ok(Quote {
        country: crate::countries::country_of(&destination),
        destination,
        rate: rate.clone(),
        pages,
        duration: duration_s,
        price,
    })
}

/// A change to the rate table, as a manager types it (the app's Rates page, `faxcredit rates
/// set | remove`): checked whole by [`change_rates`] before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RateChange {
    /// Adds or replaces the rate of `prefix` ("default" or "" is the rate for other
    /// destinations). Without a label, a new prefix is named after its country.
    Set {
        prefix: String,
        price: String,
        unit: Unit,
        label: Option<String>,
    },
    Remove {
        prefix: String,
    },
}

/// A dialling prefix as typed: digits, an optional leading `+`; `default` (or nothing) is the
/// catch-all. Named `prefix` in every error.
pub fn parse_prefix(s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("default") {
        return Ok(String::new());
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "prefix",
            format!("{:?} is not a dialling prefix: digits only, e.g. 44 or +353", crate::text::truncate(t, 40)),
        ));
    }
    if digits.len() > 15 {
        return Err(Error::invalid("prefix", "is longer than any phone number (15 digits at most)"));
    }
    if digits.starts_with('0') {
        return Err(Error::invalid(
            "prefix",
            format!("{digits:?} starts with 0: write the international code without 00 or 011, e.g. 44"),
        ));
    }
    Ok(digits.to_string())
}

/// A price per unit as typed: a plain decimal, not negative, at most 4 decimal places. Named
/// `price` in every error.
pub fn parse_price(s: &str) -> Result<Decimal> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(Error::invalid("price", format!("{t} is negative: a rate is 0 or more")));
    }
    // More than 4 decimal places is refused here too (`money::to_units`).
    money::parse_amount(t, "price")
}

/// The label a new rate gets: its country's name, or the country and the prefix for a part of
/// a country's numbers (`United Kingdom (4420)`).
fn default_label(prefix: &str) -> String {
    if prefix.is_empty() {
        return "Other destinations".into();
    }
    let c = crate::countries::country_of(prefix);
    if c.code == prefix {
        c.name.to_string()
    } else if c.code.is_empty() {
        format!("+{prefix}")
    } else {
        format!("{} (+{prefix})", c.name)
    }
}

/// The one way the rate table changes: checks the change whole, then writes it in one
/// transaction. The rate cache of every connection, in this process and others, sees it
/// through `rates_version` (raised by the table's triggers), so the next fax billed anywhere
/// is priced by it; faxes billed before keep the rate they were billed at (the fax row holds
/// its cost per unit, and billed faxes are never updated).
pub fn change_rates(
    db: &mut Db,
    change: &RateChange,
    by: &crate::audit::Actor,
    now: Timestamp,
) -> Result<Option<Rate>> {
    match change {
        RateChange::Set { prefix, price, unit, label } => {
            let prefix = parse_prefix(prefix)?;
            let cpu_d = parse_price(price)?;
            let label = label.as_deref().map(str::trim).filter(|l| !l.is_empty());
            let label = label.map(|l| crate::text::validate_text("label", l, 100)).transpose()?;
            let cpu = money::to_units(cpu_d, "price")?;
            let label = db.write(|tx| {
                let existing: Option<String> =
                    tx.query_opt("SELECT label FROM rates WHERE prefix = ?1", &[&prefix], |r| r.get(0))?;
                let label = label.clone().or(existing).unwrap_or_else(|| default_label(&prefix));
                tx.execute(
                    "INSERT INTO rates (prefix, label, unit, cost_per_unit) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (prefix) DO UPDATE SET label = excluded.label, unit = excluded.unit,
                     cost_per_unit = excluded.cost_per_unit",
                    &[&prefix, &label, &unit.as_str(), &cpu],
                )?;
                let per = if *unit == Unit::Page { "page" } else { "tenth of a minute" };
                let to =
                    if prefix.is_empty() { "the default rate".to_string() } else { format!("+{prefix} ({label})") };
                let detail = format!("{to}: {} a {per}", money::from_units(cpu));
                crate::audit::record(tx, by, crate::audit::Action::RateSet, &detail, now)?;
                Ok(label)
            })?;
            Ok(Some(Rate {
                prefix,
                label,
                unit: *unit,
                cost_per_unit_units: cpu,
                cost_per_unit: money::from_units(cpu),
            }))
        }
        RateChange::Remove { prefix } => {
            let prefix = parse_prefix(prefix)?;
            if prefix.is_empty() {
                return Err(Error::invalid(
                    "prefix",
                    "the default rate (other destinations) cannot be removed; set its price instead",
                ));
            }
            db.write(|tx| {
                if tx.execute("DELETE FROM rates WHERE prefix = ?1", &[&prefix])? == 0 {
                    return Err(Error::NotFound(format!("no rate for prefix +{prefix}")));
                }
                crate::audit::record(tx, by, crate::audit::Action::RateRemoved, &format!("+{prefix}"), now)
            })?;
            Ok(None)
        }
    }
}

/// The account's main rate: the per-page rate its recent faxes used most (US and Canada when
/// it has none yet), for the price per page of each package.
pub fn main_rate(db: &Db) -> Result<Rate> {
    let table = RateTable::load(db.conn())?;
    let recent =
        db.conn().query("SELECT destination FROM faxes ORDER BY seq DESC LIMIT 1000", &[], |r| r.get::<String>(0))?;
    let mut counts: HashMap<String, (usize, Rate)> = HashMap::new();
    for d in recent {
        if let Some(rate) = table.find(d.trim_start_matches('+')).filter(|r| r.unit == Unit::Page) {
            counts.entry(rate.prefix.clone()).or_insert((0, rate.clone())).0 += 1;
        }
    }
    let best = counts.into_values().max_by(|a, b| a.0.cmp(&b.0).then(b.1.prefix.cmp(&a.1.prefix))).map(|(_, r)| r);
    best.or_else(|| table.find("1").cloned())
        .or_else(|| table.find("").cloned())
        .ok_or_else(|| Error::NotFound("the rate table is empty".into()))
}

/// What one page costs when bought in `package` at `rate`: price × rate ÷ credit, 4 places.
pub fn price_per_page(package: &crate::catalog::Package, rate: &Rate) -> Option<Decimal> {
    if package.original_balance.is_zero() || rate.unit != Unit::Page {
        return None;
    }
    Some(money::round_cost(package.face_value * rate.cost_per_unit / package.original_balance))
}

#[cfg(test)]
#[path = "rates_tests.rs"]
mod tests;
